"""Greedy material allocation for list scheduling: stock ledgers and supplier capacity.

``dispatch`` asks, order by order, where each material should come from; the answer must be
feasible (stock never negative at any time, supplier capacity per period) because the dispatch
plan is both CP-SAT's complete hint and the fallback plan.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field

from solver.domain.plan import Purchase, Supply
from solver.domain.plant import Plant
from solver.supply import sources
from solver.supply.sources import STOCK, BuyOption


@dataclass
class StockLedger:
    """Time-phased stock of one material: (tick, change) events, sorted by tick."""

    ticks: list[int] = field(default_factory=list)
    changes: list[int] = field(default_factory=list)
    # The level's minimum from each event on, kept until the events change: dispatch asks far
    # more often than it draws (recomputing it per question was 9 of 15 s at 5,000 orders).
    _suffix_min: list[int] | None = field(default=None, repr=False, compare=False)

    def add(self, tick: int, change: int) -> None:
        k = bisect.bisect_right(self.ticks, tick)
        self.ticks.insert(k, tick)
        self.changes.insert(k, change)
        self._suffix_min = None

    def remove(self, tick: int, change: int) -> None:
        for k in range(bisect.bisect_left(self.ticks, tick), len(self.ticks)):
            if self.changes[k] == change:
                del self.ticks[k], self.changes[k]
                self._suffix_min = None
                return
        raise ValueError(f"no event ({tick}, {change}) to remove")

    def _suffix_minimum(self) -> list[int]:
        if self._suffix_min is None:
            levels, level = [], 0
            for change in self.changes:
                level += change
                levels.append(level)
            for k in range(len(levels) - 2, -1, -1):
                levels[k] = min(levels[k], levels[k + 1])
            self._suffix_min = levels
        return self._suffix_min

    def earliest_draw(self, quantity: int, ready: int) -> int | None:
        """Earliest tick >= ready at which ``quantity`` can be drawn and stock stays >= 0.

        Drawing at t lowers the level at every time from t on, so the level's minimum over
        [t, end) must cover the draw; that minimum only grows with t.
        """
        suffix_min = self._suffix_minimum()
        first = bisect.bisect_right(self.ticks, ready) - 1  # level in force at `ready`
        if first >= 0 and suffix_min[first] >= quantity:
            return ready
        for k in range(first + 1, len(self.ticks)):
            if suffix_min[k] >= quantity:
                return max(ready, self.ticks[k])
        return None


@dataclass(frozen=True)
class Part:
    """Where some units of an order's need come from: ``stock`` or ``buy`` (by ``option``),
    and when they are there (a stock draw's earliest tick, a purchase's arrival)."""

    kind: str
    option: BuyOption | None
    arrival: int
    quantity: int


class SupplyBook:
    """What has been drawn and bought so far while dispatching orders one by one."""

    def __init__(self, plant: Plant):
        self.plant = plant
        self.stock: dict[str, StockLedger] = {}
        for mid in plant.materials:
            ledger = StockLedger()
            for tick, units in sources.stock_events(plant, mid):
                ledger.add(tick, units)
            self.stock[mid] = ledger
        self.finished = {pid: p.stock for pid, p in plant.products.items()}
        self.shipments: dict[tuple[str, str, str, int], int] = defaultdict(int)
        # Per (supplier, material, period): units bought, minimum orders included. Kept as
        # shipments change, so that checking capacity does not scan every shipment (that scan
        # made dispatch quadratic: 25 s of a 5,000-order plant with materials).
        self._period_load: dict[tuple[str, str, int], int] = defaultdict(int)
        self._options: dict[str, list[BuyOption]] = {}
        self.supplies: list[Supply] = []
        self._surplus_to_stock = plant.settings.surplus_to_stock
        # Shipments kept orders have (an LNS neighbourhood): joined, not opened again. Their
        # load is booked and their top-up in stock already.
        for sid, supplier in plant.suppliers.items():
            for mid, offer in supplier.offers.items():
                for mode, period, units in offer.pegged:
                    self.shipments[(sid, mid, mode, period)] += units

    def bought_in(self, supplier: str, material: str, period: int) -> int:
        """Units bought from a supplier for a material in one period, minimum orders included."""
        return self._period_load.get((supplier, material, period), 0)

    def _add_to_shipment(self, key: tuple[str, str, str, int], quantity: int, arrival: int) -> None:
        supplier, material, _, period = key
        minimum = sources.offer_for(self.plant, supplier, material).min_order
        before = self.shipments[key]
        after = before + quantity
        self.shipments[key] = after
        counted_before = max(before, minimum) if before else 0
        counted_after = max(after, minimum) if after else 0
        self._period_load[(supplier, material, period)] += counted_after - counted_before
        change = (counted_after - after) - (counted_before - before)
        if self._surplus_to_stock and change:
            # The surplus waits in stock from the arrival; pegging part of it takes that part.
            self.stock[material].add(max(0, arrival), change)

    def surplus_taken(self, option: BuyOption, material: str, quantity: int) -> int:
        """Units of a shipment's surplus in stock that buying ``quantity`` more by ``option``
        pegs instead (0 when its surplus does not go to stock)."""
        if not self._surplus_to_stock:
            return 0
        return self.top_up_pegged(option, material, quantity)

    def top_up_pegged(self, option: BuyOption, material: str, quantity: int) -> int:
        """Units of a shipment's top-up to its minimum order (paid for already) that buying
        ``quantity`` more by ``option`` pegs."""
        key = (option.supplier, material, option.mode.name, option.period)
        current = self.shipments.get(key, 0)
        if not current:
            return 0
        minimum = sources.offer_for(self.plant, option.supplier, material).min_order
        return max(0, minimum - current) - max(0, minimum - current - quantity)

    def _stock_allows(self, material: str, quantity: int, tick: int) -> bool:
        """Whether ``quantity`` units may leave the material's stock at ``tick``."""
        return not quantity or self.stock[material].earliest_draw(quantity, tick) == tick

    def _extra(self, option: BuyOption, material: str, quantity: int) -> int:
        """Units that buying ``quantity`` more by ``option`` adds to what the supplier ships in
        the period: a new shipment is topped up to its minimum order."""
        offer = sources.offer_for(self.plant, option.supplier, material)
        current = self.shipments.get(
            (option.supplier, material, option.mode.name, option.period), 0
        )
        return max(current + quantity, offer.min_order) - (
            max(current, offer.min_order) if current else 0
        )

    def fits(
        self, option: BuyOption, material: str, quantity: int, reserved: dict | None = None
    ) -> bool:
        """Whether ``quantity`` more of ``material`` bought by ``option`` keeps the offer's
        capacity in its period, and that of the capacity group the material shares, beside
        ``reserved`` ((supplier, group, period) -> units an order's other materials take)."""
        offer = sources.offer_for(self.plant, option.supplier, material)
        supplier = self.plant.suppliers[option.supplier]
        group = sources.group_of(supplier, material)
        if offer.capacity is None and group is None:
            return True
        extra = self._extra(option, material, quantity)
        if offer.capacity is not None:
            left = offer.capacity_left(option.period)
            if self.bought_in(option.supplier, material, option.period) + extra > left:
                return False
        if group is not None:
            shared = sum(self.bought_in(option.supplier, m, option.period) for m in group.materials)
            shared += (reserved or {}).get((option.supplier, group.id, option.period), 0)
            return shared + extra <= supplier.group_left(group, option.period)
        return True

    def choose(self, order_id: str, targets: dict[int, int]) -> dict[str, tuple[Part, ...]] | None:
        """For each material the parts that supply it, or None if impossible.

        Parameters
        ----------
        order_id : str
        targets : dict
            Step index -> the latest start of that step that keeps the order on time.

        Returns
        -------
        dict or None
            Material -> one part (stock, or one purchase) for the whole need, or the parts
            of one of its splits (``sources.split_ways``). Among the ways
            that arrive by the target of the step drawing the material, the cheapest wins
            (stock first, then a split, which buys less); if none does, the earliest wins.
            Each part's arrival is when the drawing step may start at the earliest on its
            side.
        """
        order = self.plant.orders[order_id]
        choices: dict[str, tuple[Part, ...]] = {}
        # What the order's materials chosen so far take of their capacity groups: an order
        # needing two materials of one group must fit both, minimum orders included.
        reserved: dict[tuple[str, str, int], int] = defaultdict(int)
        for material, quantity in sources.requirements(self.plant, order_id).items():
            target = targets[sources.draw_step(self.plant, order_id, material)]
            candidates = self._ways(order_id, material, quantity, reserved)
            if not candidates:
                return None
            in_time = [c for c in candidates if c[0] <= max(target, order.release)]
            best = (
                # A tie between stock and a paid top-up: the top-up, leaving stock to others.
                min(in_time, key=lambda c: (c[1], c[0], c[2][0].kind == STOCK))
                if in_time
                else min(candidates, key=lambda c: (c[0], c[1]))
            )
            choices[material] = best[2]
            for part in best[2]:
                if part.kind == "buy":
                    group = sources.group_of(self.plant.suppliers[part.option.supplier], material)
                    if group is not None:
                        # What the purchase adds to the period, its minimum order included.
                        reserved[(part.option.supplier, group.id, part.option.period)] += (
                            self._extra(part.option, material, part.quantity)
                        )
        return choices

    def _ways(
        self, order_id: str, material: str, quantity: int, reserved: dict
    ) -> list[tuple[int, float, tuple[Part, ...]]]:
        """(when the material is there, money per unit of the need, parts) for every way to
        supply ``quantity``: the whole from stock or one purchase, or a split."""
        release = self.plant.orders[order_id].release
        ways: list[tuple[int, float, tuple[Part, ...]]] = []
        drawn = self.stock[material].earliest_draw(quantity, release)
        if drawn is not None:
            ways.append((drawn, 0.0, (Part(STOCK, None, drawn, quantity),)))
        for option in self._buy_options(material):
            # Pegging units of a surplus that waits in stock takes them from the stock.
            taken = self.surplus_taken(option, material, quantity)
            if self.fits(option, material, quantity, reserved) and self._stock_allows(
                material, taken, max(0, option.arrival)
            ):
                price = self._unit_cost(option, material, quantity)
                ways.append(
                    (option.arrival, price, (Part("buy", option, option.arrival, quantity),))
                )
        for split in sources.split_ways(self.plant, order_id, material, quantity):
            ways += self._split_ways(split, material, quantity, release, reserved)
        return ways

    def _split_ways(
        self, split: sources.Split, material: str, quantity: int, release: int, reserved: dict
    ) -> list[tuple[int, float, tuple[Part, ...]]]:
        """The ways to take one split: its stock part drawn as early as it can be, and each
        bought part by an option that fits (two parts: never in one supplier's period, whose
        capacity they would share; from the best few options of each, ``_front``)."""
        head: tuple[Part, ...] = ()
        if split.stock:
            drawn = self.stock[material].earliest_draw(split.stock, release)
            if drawn is None:
                return []
            head = (Part(STOCK, None, drawn, split.stock),)
        offers = [self._part_options(material, units, quantity, reserved) for units in split.bought]
        if len(offers) == 1:
            combos = [(one,) for one in offers[0]]
        else:
            combos = [
                (one, two)
                for one in _front(offers[0])
                for two in _front(offers[1])
                if (one[2].supplier, one[2].period) != (two[2].supplier, two[2].period)
            ]
        ways = []
        for combo in combos:
            taken = sum(c[3] for c in combo)
            first = min([p.arrival for p in head] + [max(0, c[0]) for c in combo])
            # Pegging units of a surplus that waits in stock takes them from the stock.
            if taken and not self._stock_allows(material, split.stock + taken, first):
                continue
            parts = head + tuple(
                Part("buy", option, arrival, units)
                for (arrival, _, option, _), units in zip(combo, split.bought, strict=True)
            )
            ways.append((max(p.arrival for p in parts), sum(c[1] for c in combo), parts))
        return ways

    def _part_options(
        self, material: str, units: int, quantity: int, reserved: dict
    ) -> list[tuple[int, float, BuyOption, int]]:
        """(arrival, money per unit of the whole need, option, surplus units taken) for each
        option that can buy ``units`` of a need of ``quantity``."""
        found = []
        for option in self._buy_options(material):
            if self.fits(option, material, units, reserved):
                price = self._unit_cost(option, material, units) * units / quantity
                taken = self.surplus_taken(option, material, units)
                found.append((option.arrival, price, option, taken))
        return found

    def _buy_options(self, material: str) -> list[BuyOption]:
        """Every buy option of a material over the horizon, listed once per material."""
        options = self._options.get(material)
        if options is None:
            options = list(sources.buy_options(self.plant, material, self.plant.horizon))
            self._options[material] = options
        return options

    def _unit_cost(self, option: BuyOption, material: str, quantity: int) -> float:
        """Money per unit that buying ``quantity`` by ``option`` adds: a shipment already
        placed has its charge and its top-up to the minimum order paid for."""
        offer = sources.offer_for(self.plant, option.supplier, material)
        mode = option.mode
        reliability = self.plant.suppliers[option.supplier].reliability
        risk = 1 / reliability - 1 if self.plant.settings.supplier_risk == "premium" else 0.0
        unit = offer.price * (1 + risk) + mode.cost_per_unit
        key = (option.supplier, material, mode.name, option.period)
        if not self.shipments.get(key):
            return unit + mode.cost_per_shipment / quantity
        return unit * (quantity - self.top_up_pegged(option, material, quantity)) / quantity

    def commit(
        self, order_id: str, choices: dict[str, tuple[Part, ...]], starts: dict[int, int]
    ) -> None:
        """Record the order's draws and purchases.

        Parameters
        ----------
        order_id : str
        choices : dict
            ``choose``'s answer for the order.
        starts : dict
            Step index -> the planned start of each of the order's steps: a stock draw is
            taken when the step consuming it starts.
        """
        for material, parts in choices.items():
            for part in parts:
                if part.kind == STOCK:
                    drawn_at = starts[sources.draw_step(self.plant, order_id, material)]
                    self.stock[material].add(drawn_at, -part.quantity)
                    self.supplies.append(Supply(order_id, material, part.quantity, STOCK))
                    continue
                option = part.option
                key = (option.supplier, material, option.mode.name, option.period)
                self._add_to_shipment(key, part.quantity, option.arrival)
                self.supplies.append(
                    Supply(
                        order_id,
                        material,
                        part.quantity,
                        option.supplier,
                        option.mode.name,
                        part.arrival,
                    )
                )

    def take_finished(self, order_id: str) -> bool:
        """Serve the order from finished-goods stock if enough is left."""
        order = self.plant.orders[order_id]
        if not sources.may_ship_from_stock(self.plant, order_id):
            return False
        if self.finished[order.product] < order.quantity:
            return False
        self.finished[order.product] -= order.quantity
        return True


# Options of each bought part that a two-purchase split pairs: the cheapest as late as each
# arrival, then the next cheapest (so that a pair in one supplier's period has another).
FRONTS = 2


def _front(options: list[tuple[int, float, BuyOption, int]]) -> list:
    """The options no other beats on both arrival and price, and the same of the rest, up
    to ``FRONTS`` layers: the only ones worth pairing in a two-purchase split."""
    rest = sorted(options, key=lambda c: (c[0], c[1]))
    kept = []
    for _ in range(FRONTS):
        layer, others, cheapest = [], [], None
        for candidate in rest:
            if cheapest is None or candidate[1] < cheapest:
                layer.append(candidate)
                cheapest = candidate[1]
            else:
                others.append(candidate)
        kept += layer
        rest = others
    return kept


def build_purchases(plant: Plant, supplies: list[Supply] | tuple[Supply, ...]) -> list[Purchase]:
    """Group bought supplies into shipments (supplier, material, mode, arrival) with pegging."""
    groups: dict[tuple[str, str, str, int], list[Supply]] = defaultdict(list)
    for s in supplies:
        if s.source != STOCK:
            groups[(s.source, s.material, s.mode, s.arrival)].append(s)
    purchases = []
    for (sid, mid, mode_name, arrival), members in sorted(groups.items(), key=lambda g: g[0][3]):
        offer = sources.offer_for(plant, sid, mid)
        mode = sources.mode_named(offer, mode_name)
        needed = sum(s.quantity for s in members)
        quantity = max(needed, offer.min_order)
        cost = quantity * (offer.price + mode.cost_per_unit) + mode.cost_per_shipment
        lead = sources.effective_lead(plant, plant.suppliers[sid], mode)
        purchases.append(
            Purchase(
                sid,
                mid,
                mode_name,
                quantity,
                arrival,
                arrival - lead,
                round(cost, 2),
                tuple(s.order for s in members),
            )
        )
    return purchases
