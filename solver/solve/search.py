"""Plan the whole book of orders: CP-SAT on the full model, or LNS for big books."""

from __future__ import annotations

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.domain.provenance import stamp
from solver.rules.ranking import rank_orders
from solver.solve.cpsat.model import Progress, build, solve
from solver.solve.dispatch import best_dispatch
from solver.solve.lns import improve
from solver.supply.sources import has_supply


def uses_lns(plant: Plant) -> bool:
    """``search: auto`` picks LNS above ``lns_above`` orders, where it measured better.

    Plants that model supply always get the whole model: an LNS neighbourhood would also have
    to hand the freed orders the stock and supplier capacity the fixed orders leave, which it
    does not do yet.
    """
    settings = plant.settings
    if has_supply(plant):
        return False
    if settings.search == "auto":
        return len(plant.orders) > settings.lns_above
    return settings.search == "lns"


def plan(plant: Plant, progress: Progress | None = None) -> Plan:
    """Plan every order of the plant from scratch.

    Parameters
    ----------
    plant : Plant
        With the settings of the search: ``search`` chooses the method (see ``uses_lns``).
    progress : callable, optional
        Called with (seconds, objective, bound or None) at each improvement.

    Returns
    -------
    Plan
        With its provenance (``solver.domain.provenance``).
    """
    ranks = rank_orders(plant)
    hint = best_dispatch(plant, ranks)
    if uses_lns(plant) and hint.status == "DISPATCH":
        result = improve(plant, hint, progress)
    else:
        result = solve(build(plant, hint, {r.order: r.weight for r in ranks}), progress)
    return stamp(result, plant)
