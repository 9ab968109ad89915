"""replan: re-plans production when customer orders change (OR-Tools CP-SAT).

The Python API (``solver.api``): ``load_plant``, ``plan``, ``whatif`` and ``check``, which take
paths, YAML text or dicts; the values they return and the errors they raise; ``__version__``.
Re-exported names only.

``whatif`` here is the function: the subpackage of the same name is imported by its full name
(``from solver.whatif.evaluate import evaluate``).
"""

from solver.api import check, load_plant, plan, whatif
from solver.domain.errors import DataError, Problem, SolveError
from solver.domain.plan import OrderOutcome, Plan, ScheduledStep
from solver.domain.plant import Plant
from solver.domain.provenance import engine_version
from solver.domain.settings import Settings
from solver.facts.checker import check_plan
from solver.facts.kpis import Kpis, compute_kpis
from solver.facts.violations import Violation
from solver.rules.ranking import Rank, rank_orders
from solver.solve.cpsat.model import build
from solver.solve.dispatch import dispatch
from solver.whatif.evaluate import Evaluation, Outcome

__version__ = engine_version()
"""The installed replan version, as ``replan --version`` prints it (``unknown`` when run from a
source tree that was never installed)."""

__all__ = [
    "DataError",
    "Evaluation",
    "Kpis",
    "OrderOutcome",
    "Outcome",
    "Plan",
    "Plant",
    "Problem",
    "Rank",
    "ScheduledStep",
    "Settings",
    "SolveError",
    "Violation",
    "__version__",
    "build",
    "check",
    "check_plan",
    "compute_kpis",
    "dispatch",
    "load_plant",
    "plan",
    "rank_orders",
    "whatif",
]
