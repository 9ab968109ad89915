"""Tiny plants and one change each, drawn by hypothesis, for the exact what-if reference.

A plant has 2-3 machines working around the clock on a 5- or 15-minute grid, 2-3 products of
1-3 steps (each step on one or two machines), 5-8 firm orders with dues on the grid, off it and
as bare dates, a few releases, and a horizon that is exactly a short makespan of its orders
(the best CP-SAT finds in a fixed deterministic effort) or a little or a lot longer. Every duration is a whole number of ticks, so that setup and
per-unit times round the same way for any reading; the dates are where rounding is tested.

The change is one of ``KINDS``. Prices are far above any cost the plan can cause, so the
engine's profitability rule never decides a verdict here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hypothesis import strategies as st

from tests.exact import reference

KINDS = (
    "rush",  # one add_order
    "two rushes, different dates",
    "two rushes, same date",
    "cancel",
    "due",  # change_due
    "quantity",  # change_quantity
    "breakdown",  # resource_down
)
STARTS = ("2026-11-23T00:00", "2026-11-23T06:00", "2026-11-23T07:10")
PRICE = 10_000.0  # per unit; margin >= 9,999 per unit, beyond any tardiness a change costs
WIDE = 2 * 24 * 60  # minutes a generous horizon adds: two days


@dataclass(frozen=True)
class Case:
    """A tiny plant (the dict written as YAML), one change set, its kind and tolerance."""

    kind: str
    plant: dict
    changes: list[dict]
    tolerance: int = 0  # ticks of protect_tolerance
    notes: dict = field(default_factory=dict)

    @property
    def resolution_minutes(self) -> int:
        return reference.duration_seconds(self.plant["plant"]["resolution"]) // 60

    @property
    def label(self) -> str:
        """A one-line description for failure tables."""
        header = self.plant["plant"]
        return (
            f"{self.kind}: {len(self.plant['orders'])} orders, {len(self.plant['resources'])} "
            f"machines, {header['resolution']} grid from {header['start']}, horizon "
            f"{header['horizon']} ({self.notes.get('horizon', '')}), tolerance {self.tolerance}"
        )


def _text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


@st.composite
def _due(draw, start: datetime, res: int, lo: int, hi: int) -> str:
    """A due date near tick ``lo..hi``: on the grid, between two ticks, or a bare date."""
    style = draw(st.sampled_from(("grid", "off", "off", "date")))
    if style == "date":
        return (start.date() + timedelta(days=draw(st.integers(0, 2)))).isoformat()
    moment = start + timedelta(minutes=res * draw(st.integers(lo, max(lo, hi))))
    if style == "off":
        moment += timedelta(minutes=draw(st.integers(1, res - 1)))
    return _text(moment)


@st.composite
def _release(draw, start: datetime, res: int, hi: int) -> str | None:
    """No release mostly; else on the grid, between two ticks, or a bare date (00:00)."""
    style = draw(st.sampled_from((None, None, None, "grid", "off", "date")))
    if style is None:
        return None
    if style == "date":
        return (start.date() + timedelta(days=draw(st.integers(0, 1)))).isoformat()
    moment = start + timedelta(minutes=res * draw(st.integers(0, hi)))
    if style == "off":
        moment += timedelta(minutes=draw(st.integers(1, res - 1)))
    return _text(moment)


@st.composite
def _product(draw, pid: str, machines: list[str], res: int) -> dict:
    routing = []
    for k in range(draw(st.integers(1, 3))):
        chosen = draw(st.lists(st.sampled_from(machines), min_size=1, max_size=2, unique=True))
        options = [
            {
                "resource": m,
                "setup": f"{res * draw(st.integers(0, 2))}m",
                "per_unit": f"{res * draw(st.integers(1, 3))}m",
            }
            for m in chosen
        ]
        routing.append({"id": f"s{k + 1}", "resources": options})
    return {"id": pid, "unit_cost": 1.0, "routing": routing}


CUSTOMERS = [{"id": f"C{tier}", "tier": tier} for tier in "ABC"]


@st.composite
def _order(draw, oid: str, products: list[str], due: str, release: str | None) -> dict:
    if release is not None and reference.moment(release, False) >= reference.moment(due, True):
        release = None  # a due date must come after the release (the engine refuses it)
    order = {
        "id": oid,
        "customer": draw(st.sampled_from([c["id"] for c in CUSTOMERS])),
        "product": draw(st.sampled_from(products)),
        "quantity": draw(st.integers(1, 3)),
        "due": due,
        "price": PRICE,
    }
    if release is not None:
        order["release"] = release
    return order


def _rush(draw, rid: str, products: list[str], due: str, start, res, spread: int) -> dict:
    release = draw(_release(start, res, spread // 2))
    return {"kind": "add_order", **draw(_order(rid, products, due, release))}


@st.composite
def cases(draw, kind: str) -> Case:
    """A tiny plant and one change of ``kind`` (one of ``KINDS``).

    Parameters
    ----------
    kind : str

    Returns
    -------
    Case
    """
    res = draw(st.sampled_from((5, 15)))
    start_text = draw(st.sampled_from(STARTS))
    start = datetime.fromisoformat(start_text)
    machines = [f"M{k + 1}" for k in range(draw(st.integers(2, 3)))]
    products = [draw(_product(f"P{k + 1}", machines, res)) for k in range(draw(st.integers(2, 3)))]
    pids = [p["id"] for p in products]
    count = draw(st.integers(5, 8))
    # The spread of dates: about the work of all orders shared by the machines.
    spread = max(4, count * 4 * 2 // len(machines))
    orders = [
        draw(
            _order(
                f"O{k + 1}",
                pids,
                draw(_due(start, res, 1, spread)),
                draw(_release(start, res, spread // 2)),
            )
        )
        for k in range(count)
    ]
    plant = {
        "plant": {
            "name": "exact",
            "start": start_text,
            "resolution": f"{res}m",
            "horizon": f"{WIDE * 4}m",  # for the makespan solve; set below
            "currency": "EUR",
        },
        "settings": {"workers": 2, "seed": 0, "time_limit": 0.5},
        "resources": [{"id": m} for m in machines],
        "products": products,
        "customers": CUSTOMERS,
        "orders": orders,
    }
    # The horizon: exactly a short makespan (no room to spare for that plan), a little more,
    # or two days more. The baseline must exist, so never less.
    makespan = reference.short_makespan(reference.tiny_plant(plant))
    assert makespan is not None
    # Hypothesis favours the first of a list: wide first, so that exact does not take half.
    room = draw(st.sampled_from(("wide", "some", "exact")))
    extra = {"exact": 0, "some": draw(st.integers(1, 12)), "wide": WIDE // res}[room]
    horizon = makespan + extra
    plant["plant"]["horizon"] = f"{horizon * res}m"
    tolerance = draw(st.sampled_from((0, 0, 0, 1, 3)))
    changes = draw(_changes(kind, plant, start, res, horizon, spread))
    return Case(kind, plant, changes, tolerance, {"horizon": room})


@st.composite
def _changes(draw, kind, plant, start, res, horizon, spread) -> list[dict]:
    pids = [p["id"] for p in plant["products"]]
    oids = [o["id"] for o in plant["orders"]]
    asked_due = _due(start, res, 0, horizon + 2)
    if kind == "rush":
        return [_rush(draw, "R1", pids, draw(asked_due), start, res, spread)]
    if kind == "two rushes, same date":
        due = draw(asked_due)
        return [_rush(draw, rid, pids, due, start, res, spread) for rid in ("R1", "R2")]
    if kind == "two rushes, different dates":
        # Different in ticks, not only as text: two times within one tick are one date.
        grid = reference.grid_of(plant)
        first = draw(asked_due)
        second = draw(asked_due.filter(lambda d: grid.due(d) != grid.due(first)))
        return [
            _rush(draw, "R1", pids, first, start, res, spread),
            _rush(draw, "R2", pids, second, start, res, spread),
        ]
    if kind == "cancel":
        return [{"kind": "cancel_order", "order": draw(st.sampled_from(oids))}]
    if kind == "due":
        return [
            {"kind": "change_due", "order": draw(st.sampled_from(oids)), "due": draw(asked_due)}
        ]
    if kind == "quantity":
        order = draw(st.sampled_from(plant["orders"]))
        quantity = draw(st.integers(1, 4).filter(lambda q: q != order["quantity"]))
        return [{"kind": "change_quantity", "order": order["id"], "quantity": quantity}]
    if kind == "breakdown":
        machine = draw(st.sampled_from([r["id"] for r in plant["resources"]]))
        first = draw(st.integers(0, max(0, horizon - 1)))
        begins = start + timedelta(minutes=res * first)
        style = draw(st.sampled_from(("grid", "off", "off", "day")))
        if style == "day":  # down for the rest of the day: often no plan makes every order
            return [
                {
                    "kind": "resource_down",
                    "resource": machine,
                    "from": _text(begins),
                    "to": begins.date().isoformat(),
                }
            ]
        ends = begins + timedelta(minutes=res * draw(st.integers(2, 8)))
        if style == "off":  # rounds out to the ticks around it (at least 2: ends after begins)
            begins += timedelta(minutes=draw(st.integers(1, res - 1)))
            ends -= timedelta(minutes=draw(st.integers(1, res - 1)))
        return [
            {"kind": "resource_down", "resource": machine, "from": _text(begins), "to": _text(ends)}
        ]
    raise ValueError(f"unknown kind {kind!r}")
