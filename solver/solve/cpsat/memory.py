"""How many CP-SAT workers a built model may use within the run's memory budget.

Every CP-SAT worker loads its own copy of the model, so a run's memory grows with the worker
count, not with the machine: on a 16-core server the default of one worker per core took a
5,000-order plant with materials from 12 GB (2 workers) to 79 GB (16), for the same plan.
CP-SAT's own ``max_memory_in_mb`` does not prevent that (measured: with 1,500 MB a 1,000-order
model still peaked at 2.2 GB with 4 workers and 2.8 GB with 16; the copies are made before it
checks), so the worker count is chosen before the search starts.

The footprint estimate is a fit of peaks measured on generated plants with materials
(``benchmarks/server.py``), counted in the model's variables:

- the first worker (presolve, its model copy, LP): ``FIRST_WORKER_MB + FIRST_KB_PER_VARIABLE``
  per variable (150 orders, 9,061 variables: 124 MB in 10 s; 1,000 orders, 113,943
  variables: 754 MB in 10 s, 834-867 MB in 20 s: memory grows with the search's length);
- each further worker: ``WORKER_KB_PER_VARIABLE`` per variable, the dearest worker measured
  (the second at 150 orders: 69 MB, 7.8 KB per variable); on average a further worker took
  4.4 KB at 150 orders from 1 to 16 workers, 4.3 KB at 1,000 orders from 2 to 4 workers and
  4.3 KB at 5,000 orders on a 16-core server from 2 to 16 workers, so the estimate errs on
  the safe side by up to 2x for many workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import psutil

from solver.domain.settings import Settings

FIRST_WORKER_MB = 60.0
FIRST_KB_PER_VARIABLE = 7.5
WORKER_KB_PER_VARIABLE = 8.0


@dataclass(frozen=True)
class WorkerChoice:
    """The workers a solve uses and why.

    ``workers`` 0 means no search fits the budget: the dispatch plan is the answer.
    """

    asked: int
    workers: int
    variables: int
    budget_mb: float
    in_use_mb: float
    first_mb: float
    per_worker_mb: float
    reason: str  # "" (as asked), "budget", "big model" or "no search fits"

    def note(self) -> str:
        """One line for the planner: what was chosen and why (empty when nothing was cut)."""
        need = f"the model needs about {_size(self.first_mb)} for its first worker"
        if self.per_worker_mb:
            need += f" and {_size(self.per_worker_mb)} for each further one"
        budget = f"budget {_size(self.budget_mb)}, {_size(self.in_use_mb)} already in use"
        if self.reason == "no search fits":
            return f"no search: {need}; {budget}. The plan is the dispatch plan."
        if self.reason == "big model":
            return (
                f"{self.asked} workers asked, {self.workers} used: a whole-model search of "
                f"{self.variables:,} variables gains nothing from more (big_model_workers); "
                f"{need}; {budget}"
            )
        if self.reason == "budget":
            return f"{self.asked} workers asked, {self.workers} used: {need}; {budget}"
        return ""

    def stats(self) -> dict[str, float | str]:
        """The choice as plan statistics."""
        return {
            "workers_asked": float(self.asked),
            "memory_budget_mb": round(self.budget_mb, 1),
            "memory_estimate_mb": round(self.estimate_mb(), 1),
            "workers_note": self.note(),
        }

    def estimate_mb(self) -> float:
        """Estimated peak of the process with the chosen workers."""
        return self.in_use_mb + footprint_mb(self.variables, self.workers)


def _size(megabytes: float) -> str:
    return f"{megabytes / 1024:.1f} GB" if megabytes >= 1024 else f"{megabytes:.0f} MB"


def footprint_mb(variables: int, workers: int) -> float:
    """Estimated memory CP-SAT adds to the process for a model searched by ``workers``."""
    if workers <= 0:
        return 0.0
    first = FIRST_WORKER_MB + FIRST_KB_PER_VARIABLE * variables / 1024
    return first + (workers - 1) * WORKER_KB_PER_VARIABLE * variables / 1024


def budget_mb(settings: Settings) -> float:
    """The run's memory budget in MB: the setting, else half the memory available now."""
    if settings.memory is not None:
        return settings.memory
    return psutil.virtual_memory().available / 2**20 / 2


def in_use_mb() -> float:
    """The memory this process holds now (resident set), in MB."""
    return psutil.Process().memory_info().rss / 2**20


def choose_workers(settings: Settings, variables: int, in_use: float | None = None) -> WorkerChoice:
    """The most workers up to ``settings.workers`` whose estimated footprint fits the budget.

    Parameters
    ----------
    settings : Settings
        ``workers`` (asked), ``memory`` (budget), ``big_model_variables`` and
        ``big_model_workers``.
    variables : int
        The built model's variable count (LNS neighbourhoods and what-if sub-models are far
        below ``big_model_variables``, so the cap concerns whole-plan searches).
    in_use : float, optional
        MB the process holds before the search; measured when not given.
    """
    asked = settings.workers
    budget = budget_mb(settings)
    used = in_use_mb() if in_use is None else in_use
    first = footprint_mb(variables, 1)
    per_worker = WORKER_KB_PER_VARIABLE * variables / 1024
    room = budget - used
    if room < first:
        fits = 0
    else:
        fits = 1 + (int((room - first) // per_worker) if per_worker > 0 else asked)
    workers, reason = asked, ""
    if variables > settings.big_model_variables and settings.big_model_workers < workers:
        workers, reason = settings.big_model_workers, "big model"
    if fits < workers:
        workers, reason = fits, "budget" if fits > 0 else "no search fits"
    return WorkerChoice(asked, workers, variables, budget, used, first, per_worker, reason)
