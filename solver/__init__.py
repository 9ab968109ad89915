"""replan: re-plans production when customer orders change (OR-Tools CP-SAT).

The public API, re-exported names only.
"""

from solver.domain.errors import DataError, Problem, SolveError
from solver.domain.plan import OrderOutcome, Plan, ScheduledStep
from solver.domain.plant import Plant
from solver.domain.settings import Settings
from solver.facts.checker import Violation, check_plan
from solver.facts.kpis import Kpis, compute_kpis
from solver.input.loading import load_plant
from solver.rules.ranking import Rank, rank_orders
from solver.solve.cpsat.model import build, solve
from solver.solve.dispatch import dispatch
from solver.solve.search import plan

__all__ = [
    "DataError",
    "Kpis",
    "OrderOutcome",
    "Plan",
    "Plant",
    "Problem",
    "Rank",
    "ScheduledStep",
    "Settings",
    "SolveError",
    "Violation",
    "build",
    "check_plan",
    "compute_kpis",
    "dispatch",
    "load_plant",
    "plan",
    "rank_orders",
    "solve",
]
