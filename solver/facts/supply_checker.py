"""Supply rules of the independent plan checker (no CP-SAT): see ``checker.check_plan``.

Every made order gets each material of its bill in the quantity the bill needs, from one source
or, unless ``split_needs`` is off, several (stock and a purchase: a split); purchases
arrive no sooner than the supplier's (planned) lead time and before the step that draws the
material starts (its BOM line's step, by default the first); stock, on hand plus receipts less
each draw at its drawing step's start, never goes negative (minimum-order surpluses join
it when their shipment arrives, ``settings.surplus_to_stock``); shipments cover what is pegged to
them and their minimum order; units bought per supplier period stay within capacity; finished
goods shipped stay within stock.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.facts.violations import Violation
from solver.supply import sources
from solver.supply.sources import STOCK


def check_supply(plant: Plant, plan: Plan) -> list[Violation]:
    """Every supply rule the plan breaks."""
    out: list[Violation] = []
    draws = sources.draw_starts(plant, plan)
    out += _sources(plant, plan, draws)
    out += _stock(plant, plan, draws)
    out += _purchases(plant, plan)
    out += _finished_goods(plant, plan)
    return out


def _sources(plant: Plant, plan: Plan, draws: dict[tuple[str, str], int]) -> list[Violation]:
    out = []
    given: dict[str, list] = defaultdict(list)
    for s in plan.supplies:
        given[s.order].append(s)
    made = {o.order for o in plan.outcomes if o.accepted and not o.from_stock}
    for oid in sorted(set(given) - made):
        if oid not in plant.orders:
            out.append(
                Violation("unknown", oid, "", f"plan supplies material to unknown order {oid}")
            )
        else:
            out.append(Violation("material", oid, "", f"{oid} is not produced but has supplies"))
    for oid in sorted(made & set(plant.orders)):
        needs = sources.requirements(plant, oid)
        got: Counter[str] = Counter()
        for s in given[oid]:
            got[s.material] += s.quantity
        for material, quantity in needs.items():
            rows = sum(1 for s in given[oid] if s.material == material)
            if rows > 1 and not plant.settings.split_needs:
                out.append(
                    Violation(
                        "material",
                        oid,
                        "",
                        f"{oid} gets {material} from {rows} sources, and split_needs is false: "
                        f"one source per need",
                    )
                )
            if got[material] != quantity:
                out.append(
                    Violation(
                        "material",
                        oid,
                        "",
                        f"{oid} needs {quantity} {material}, plan supplies {got[material]} "
                        f"from {rows} source{'' if rows == 1 else 's'}",
                    )
                )
        for s in given[oid]:
            out += _one_source(plant, s, needs, draws.get((oid, s.material)))
    return out


def _one_source(plant: Plant, s, needs: dict[str, int], start: int | None) -> list[Violation]:
    """A supply's quantity, offer, lead time, and arrival by ``start``: when the step drawing
    it starts (None: the plan does not place that step)."""
    oid = s.order
    if s.material not in needs or not 0 < s.quantity <= needs[s.material]:
        return [
            Violation(
                "material",
                oid,
                "",
                f"{oid} gets {s.quantity} {s.material}, its bill needs {needs.get(s.material, 0)}",
            )
        ]
    if s.source == STOCK:
        return []
    supplier = plant.suppliers.get(s.source)
    offer = supplier.offers.get(s.material) if supplier else None
    mode = next((m for m in offer.modes if m.name == s.mode), None) if offer else None
    if mode is None:
        return [
            Violation(
                "material", oid, "", f"{oid}: {s.source} has no {s.mode!r} offer for {s.material}"
            )
        ]
    lead = sources.effective_lead(plant, supplier, mode)
    if s.arrival is None or s.arrival < lead:
        return [
            Violation(
                "material",
                oid,
                "",
                f"{oid}: {s.material} from {s.source} arrives at tick {s.arrival}, its planned "
                f"lead time is {lead}",
            )
        ]
    if start is not None and start < s.arrival:
        routing = plant.products[plant.orders[oid].product].routing
        step = routing[sources.draw_step(plant, oid, s.material)].id
        return [
            Violation(
                "material",
                oid,
                "",
                f"{oid} step {step} starts at tick {start}, before its {s.material} arrives "
                f"at {s.arrival}",
            )
        ]
    return []


def _stock(plant: Plant, plan: Plan, draws: dict[tuple[str, str], int]) -> list[Violation]:
    events: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for mid in plant.materials:
        events[mid] += sources.stock_events(plant, mid)
    for mid, surpluses in sources.surplus_events(plant, plan.supplies, plan.purchases).items():
        events[mid] += surpluses
    for s in plan.supplies:
        # Stock of a material the plant does not have is reported by _sources.
        drawn_at = draws.get((s.order, s.material))
        if s.source == STOCK and drawn_at is not None and s.material in plant.materials:
            events[s.material].append((drawn_at, -s.quantity))
    out = []
    for mid, items in events.items():
        short = sources.first_shortage(items)
        if short is not None:
            tick, level = short
            out.append(Violation("stock", "", "", f"stock of {mid} is {level} at tick {tick}"))
    return out


def _purchases(plant: Plant, plan: Plan) -> list[Violation]:
    out = []
    pegged: Counter[tuple] = Counter()
    for s in plan.supplies:
        if s.source != STOCK:
            pegged[(s.source, s.material, s.mode, s.arrival)] += s.quantity
    bought: Counter[tuple] = Counter()
    by_period: Counter[tuple[str, str, int]] = Counter()
    for p in plan.purchases:
        key = (p.supplier, p.material, p.mode, p.arrival)
        bought[key] += p.quantity
        unknown = sorted({o for o in p.orders if o not in plant.orders})
        if unknown:
            out.append(
                Violation(
                    "unknown",
                    unknown[0],
                    "",
                    f"purchase of {p.material} from {p.supplier} is pegged to unknown order(s) "
                    f"{', '.join(unknown)}",
                )
            )
        supplier = plant.suppliers.get(p.supplier)
        offer = supplier.offers.get(p.material) if supplier else None
        if offer is None:
            kind = "purchase" if supplier else "unknown"
            out.append(Violation(kind, "", "", f"{p.supplier} does not offer {p.material}"))
            continue
        mode = next((m for m in offer.modes if m.name == p.mode), None)
        if mode is None:
            out.append(
                Violation(
                    "purchase",
                    "",
                    "",
                    f"{p.supplier} has no {p.mode!r} mode for {p.material} "
                    f"({', '.join(m.name for m in offer.modes)})",
                )
            )
            continue
        if p.quantity < offer.min_order:
            out.append(
                Violation(
                    "purchase",
                    "",
                    "",
                    f"{p.quantity} {p.material} from {p.supplier} is below its minimum order "
                    f"{offer.min_order}",
                )
            )
        lead = sources.effective_lead(plant, supplier, mode)
        if p.arrival < lead:
            out.append(
                Violation(
                    "purchase",
                    "",
                    "",
                    f"{p.material} from {p.supplier} ({p.mode}) arrives at tick {p.arrival}, its "
                    f"planned lead time is {lead}",
                )
            )
        by_period[(p.supplier, p.material, sources.period_of(supplier, p.arrival))] += p.quantity
    for key, units in pegged.items():
        if bought[key] < units:
            out.append(
                Violation(
                    "purchase",
                    "",
                    "",
                    f"orders need {units} {key[1]} from {key[0]} ({key[2]}, tick {key[3]}), "
                    f"purchases give {bought[key]}",
                )
            )
    for (sid, mid, period), units in by_period.items():
        capacity = plant.suppliers[sid].offers[mid].capacity_left(period)
        if capacity is not None and units > capacity:
            out.append(
                Violation(
                    "supplier-capacity",
                    "",
                    "",
                    f"{units} {mid} bought from {sid} in period {period}, capacity {capacity}",
                )
            )
    return out + _capacity_groups(plant, by_period)


def _capacity_groups(plant: Plant, by_period: Counter) -> list[Violation]:
    """Units bought per (supplier, capacity group, period) within the group's capacity."""
    out = []
    for sid, supplier in plant.suppliers.items():
        for group in supplier.capacity_groups:
            shared: Counter[int] = Counter()
            for (s, m, period), units in by_period.items():
                if s == sid and m in group.materials:
                    shared[period] += units
            for period, units in sorted(shared.items()):
                left = supplier.group_left(group, period)
                if units > left:
                    out.append(
                        Violation(
                            "supplier-capacity",
                            "",
                            "",
                            f"{units} of {', '.join(group.materials)} bought from {sid} in "
                            f"period {period}, capacity group {group.id} {left}",
                        )
                    )
    return out


def _finished_goods(plant: Plant, plan: Plan) -> list[Violation]:
    out = []
    shipped: Counter[str] = Counter()
    has_steps = {s.order for s in plan.steps}
    counted: set[str] = set()
    for o in plan.outcomes:
        # Unknown orders and repeated outcomes are the schedule checker's.
        if not o.from_stock or o.order not in plant.orders or o.order in counted:
            continue
        counted.add(o.order)
        if not o.accepted:
            out.append(
                Violation(
                    "finished-goods",
                    o.order,
                    "",
                    f"{o.order} is declined yet marked shipped from finished goods",
                )
            )
            continue
        if not sources.may_ship_from_stock(plant, o.order) or o.order in has_steps:
            out.append(
                Violation(
                    "finished-goods",
                    o.order,
                    "",
                    f"{o.order} is shipped from stock but is in production or cannot be",
                )
            )
        shipped[plant.orders[o.order].product] += plant.orders[o.order].quantity
    for pid, units in shipped.items():
        if units > plant.products[pid].stock:
            out.append(
                Violation(
                    "finished-goods",
                    "",
                    "",
                    f"{units} {pid} shipped from finished goods, stock is {plant.products[pid].stock}",
                )
            )
    return out
