"""replan: re-plans production when customer orders change (OR-Tools CP-SAT).

The public API, re-exported names only.
"""

from solver.checker import Violation, check_plan
from solver.cpsat.model import build, solve
from solver.cpsat.search import plan
from solver.data import Plant
from solver.dispatch import dispatch
from solver.errors import DataError, Problem, SolveError
from solver.kpis import Kpis, compute_kpis
from solver.loading import load_plant
from solver.plan import OrderOutcome, Plan, ScheduledStep
from solver.ranking import Rank, rank_orders
from solver.settings import Settings

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
