"""``replan review``: the after-the-fact review of seed 003 from the store.

Per customer, product and channel: how many changes were asked, how the engine answered
(accept, accept with a date, reject, impact), what the planner decided (accepted, rejected,
undecided), what the answers cost (tardiness and expedite cost against the baseline, steps
moved), and, of the promises made by accepted what-ifs, how many the released plan keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import yaml

from solver.domain.plant import Plant
from solver.store.store import ACCEPTED, REJECTED, Store

VERDICT_COLUMNS = {
    "ACCEPT": "accept",
    "ACCEPT AS ASKED": "accept",  # accepted on the asked date, displacing others
    "ACCEPT WITH DATE": "dated",
    "REJECT": "reject",
    "IMPACT": "impact",
}


@dataclass
class ReviewRow:
    """One group (a customer, a product or a channel)."""

    by: str
    key: str
    changes: int = 0
    accept: int = 0
    dated: int = 0
    reject: int = 0
    impact: int = 0
    accepted: int = 0
    rejected: int = 0
    undecided: int = 0
    tardiness_cost: float = 0.0
    expedite_cost: float = 0.0
    steps_moved: int = 0
    promises_kept: int = 0
    promises_broken: int = 0


@dataclass
class Review:
    since: datetime | None
    evaluations: int
    rows: list[ReviewRow] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # "SO-1: promised ..., planned ..."


def review(store: Store, since: datetime | None = None) -> Review:
    """The review of every what-if saved since ``since`` (all by default).

    Parameters
    ----------
    store : Store
    since : datetime, optional

    Returns
    -------
    Review
    """
    evaluations = store.evaluations(since)
    released = _released_completions(store)
    plants: dict[int, Plant] = {}
    groups: dict[tuple[str, str], ReviewRow] = {}
    broken = []
    for evaluation in evaluations:
        if evaluation.plant_id not in plants:
            plants[evaluation.plant_id] = store.load_plant(evaluation.plant_id)
        plant = plants[evaluation.plant_id]
        result = evaluation.result or {}
        outcomes = result.get("outcomes") or []
        if not outcomes:
            continue
        first = outcomes[0]
        decisions = store.decisions_of(evaluation.id)
        decided = ACCEPTED if ACCEPTED in decisions else REJECTED if REJECTED in decisions else ""
        baseline_terms = (result.get("baseline") or {}).get("terms") or {}
        terms = first.get("terms") or {}
        tardiness = float(terms.get("tardiness", 0.0)) - float(baseline_terms.get("tardiness", 0.0))
        expedite = float(terms.get("expedite", 0.0)) - float(baseline_terms.get("expedite", 0.0))
        moved = int((first.get("stability") or {}).get("steps_moved", 0))
        kept = broke = 0
        if decided == ACCEPTED:
            for order, promise in (first.get("promises") or {}).items():
                planned = released.get(order)
                if promise is None or planned is None:
                    continue
                if planned <= datetime.fromisoformat(promise):
                    kept += 1
                else:
                    broke += 1
                    broken.append(
                        f"{order}: promised {promise[:16]}, planned {planned:%Y-%m-%d %H:%M}"
                    )
        for by, key in _keys(evaluation.scenario_text, plant):
            row = groups.setdefault((by, key), ReviewRow(by, key))
            row.changes += 1
            column = VERDICT_COLUMNS.get(first.get("verdict", ""), "impact")
            setattr(row, column, getattr(row, column) + 1)
            if decided == ACCEPTED:
                row.accepted += 1
            elif decided == REJECTED:
                row.rejected += 1
            else:
                row.undecided += 1
            row.tardiness_cost += tardiness
            row.expedite_cost += expedite
            row.steps_moved += moved
            row.promises_kept += kept
            row.promises_broken += broke
    order = {"customer": 0, "product": 1, "channel": 2}
    rows = sorted(groups.values(), key=lambda r: (order[r.by], r.key))
    return Review(since, len(evaluations), rows, broken)


def _keys(scenario_text: str, plant: Plant) -> set[tuple[str, str]]:
    """(customer|product|channel, value) of the orders the what-if's own changes touch."""
    try:
        data = yaml.safe_load(scenario_text) or {}
    except yaml.YAMLError:
        return {("customer", "?"), ("product", "?"), ("channel", "?")}
    changes = data.get("changes") or []
    keys: set[tuple[str, str]] = set()
    for change in changes if isinstance(changes, list) else []:
        if not isinstance(change, dict):
            continue
        if change.get("kind") == "add_order":
            customer, product = change.get("customer"), change.get("product")
            channel = change.get("channel") or ""
        else:
            order = plant.orders.get(str(change.get("order", "")))
            if order is None:
                customer = product = None
                channel = ""
            else:
                customer, product, channel = order.customer, order.product, order.channel
        if customer is None and product is None:
            continue  # a disruption (breakdown, supplier): no customer asked for it
        keys |= {
            ("customer", str(customer or "?")),
            ("product", str(product or "?")),
            ("channel", channel or "(none)"),
        }
    return keys


def _released_completions(store: Store) -> dict[str, datetime]:
    """Order -> completion in the released plan (empty when nothing is released)."""
    released = store.released_id()
    if released is None:
        return {}
    plan = store.plan_of(store.plan_row(released))
    return {
        o.order: plan.grid.to_datetime(o.completion)
        for o in plan.outcomes
        if o.completion is not None
    }
