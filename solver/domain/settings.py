"""Settings: documented defaults, overridden by the plant file's ``settings:``, then the CLI.

Every solver parameter lives here, never hard-coded in logic.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Annotated, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from solver.domain.timegrid import parse_duration


def duration_text(delta: timedelta) -> str:
    """A duration as the text a file would give, exactly (``1d 2h``, ``90s``)."""
    seconds = round(delta.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return sign + (" ".join(parts) or "0h")


# Parsed once, when settings are read (``"7d"`` -> timedelta); written back as text.
Duration = Annotated[
    timedelta, BeforeValidator(parse_duration), PlainSerializer(duration_text, return_type=str)
]


# The most a wall-clock cap may exceed its solve limit by (a share keeps its parent's cap).
WALL_CAP_FACTOR_MAX = 1000.0

_SIZE_UNITS = {"": 1.0, "mb": 1.0, "m": 1.0, "gb": 1024.0, "g": 1024.0, "tb": 1024.0**2}


def parse_memory(value: object) -> object:
    """A memory size in MB from a number (MB) or text with a unit (``300MB``, ``16 GB``)."""
    if not isinstance(value, str):
        return value
    text = value.strip().lower().replace(" ", "")
    number = text.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = text[len(number) :]
    try:
        return float(number) * _SIZE_UNITS[unit]
    except (KeyError, ValueError):  # an unknown unit, or no number before it
        raise ValueError(
            f"{value!r} is not a memory size; give MB or GB, e.g. 300MB or 16GB"
        ) from None


def memory_text(megabytes: float | None) -> str | None:
    """A memory size as the text a file would give (``300MB``, ``16GB``)."""
    if megabytes is None:
        return None
    if megabytes >= 1024 and megabytes % 1024 == 0:
        return f"{megabytes / 1024:g}GB"
    return f"{megabytes:g}MB"


# Read as MB (``"16GB"`` -> 16384.0); written back as text.
MemorySize = Annotated[
    float,
    BeforeValidator(parse_memory),
    Field(gt=0),
    PlainSerializer(memory_text, return_type=str | None),
]


# The full-problem subsolvers CP-SAT 9.15 interleaves in the deterministic setting.
FullSubsolver = Literal[
    "core",
    "default_lp",
    "fixed",
    "max_lp",
    "no_lp",
    "pseudo_costs",
    "quick_restart",
    "quick_restart_no_lp",
    "reduced_costs",
]


def _default_workers() -> int:
    return max(1, os.cpu_count() or 1)


class RankingWeights(BaseModel):
    """Weights of the three components of an order's priority score."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    urgency: Annotated[float, Field(ge=0)] = 0.4
    tier: Annotated[float, Field(ge=0)] = 0.4
    margin: Annotated[float, Field(ge=0)] = 0.2

    @model_validator(mode="after")
    def _some_weight(self) -> RankingWeights:
        if self.urgency + self.tier + self.margin <= 0:
            raise ValueError("at least one ranking weight must be positive")
        return self


class Settings(BaseModel):
    """Engine settings with their defaults.

    Attributes
    ----------
    time_limit : float
        Seconds per solve (at most a week). A solve that hits it returns the best plan found.
        With ``deterministic`` it is a safety net only: the search is limited by
        ``deterministic_time``, and the wall-clock cap (``wall_cap``) is ``wall_cap_factor``
        times this, at least ``wall_cap_min``.
    deterministic : bool or None
        Repeatable solves: the same input, settings and seed give the same plan on a busy
        machine. CP-SAT runs its workers interleaved (``interleave_search``) and stops at a
        deterministic-time limit instead of wall-clock; our LNS counts deterministic time too.
        ``None`` (default) means the command's default: on for ``whatif`` and ``bench``, off
        for ``plan``.
    deterministic_time : float or None
        Deterministic-time units per solve when ``deterministic``; ``None`` uses the number of
        ``time_limit``. One unit cost 1-4 s of wall time here (README, "Repeatable results"),
        up to 20 s on a small what-if model on a slow day.
    wall_cap_factor : float
        With ``deterministic``, a solve still stops after ``wall_cap_factor x time_limit``
        wall-clock seconds (at least ``wall_cap_min``), so no input can run forever; a plan
        stopped that way records it (``stats.wall_cap_hit``) and may not repeat. The solves a
        command cuts from its limit (a what-if's parts, LNS steps) keep the command's cap,
        not a tenth of their own.
    wall_cap_min : float
        The wall-clock cap is never shorter than this many seconds: below a minute it guards
        against nothing a planner would wait for, and on a busy 2-core machine a 1-s solve
        took 13.6 s of wall time for 0.29 deterministic units, so 10 times its limit changed
        the what-if's verdict (benchmarks/README.md, "A wall-clock cap that decided a verdict").
    workers : int
        CP-SAT search workers; defaults to the number of cores.
    seed : int
        CP-SAT random seed (fixed in tests for repeatable plans).
    ranking : RankingWeights
        Weights of urgency, customer tier and margin in the priority score.
    tiers : dict[str, float]
        Priority of each customer tier, between 0 and 1.
    urgency_window : timedelta
        Slack at or beyond which an order is not urgent at all (a duration).
    max_weight : int
        Tardiness weight of the top-ranked order; the lowest gets 1.
    tardiness_cost_per_day : float
        Money charged per day late per unit of tardiness weight.
    bottleneck_threshold : float
        Utilisation at or above which a resource counts as a bottleneck.
    on_time_target : float
        On-time delivery rate the plan is compared with (seed 003: at least 95 %).
    oee_target : float
        Planned OEE the bottlenecks are compared with (seed 003: overall equipment
        effectiveness raised to 80 % or more). Planned OEE is planned run time
        (quantity x time per unit, setups excluded) over available time (calendar less
        downtime, times the units of a pool) from the plan start to the last completion.
    inventory_days_target : float or None
        Inventory days (average stock held over average daily use, ``solver.facts.inventory``)
        every material and finished-goods product is compared with, unless
        ``inventory_days_targets`` names it. Seed 003 asks for inventory turnover days within
        +/-20 % of the industry benchmark and gives no number, so the default is
        ``None``: days are reported and nothing is flagged until a plant sets its benchmark.
    inventory_days_targets : dict[str, float]
        Per-item targets in days, keyed by material or product id (an id that is both applies
        to both); they override ``inventory_days_target``.
    inventory_days_tolerance : float
        Share either side of an item's target outside which its inventory days are flagged
        (seed 003: +/-20 %): below ``target x (1 - tolerance)`` or above
        ``target x (1 + tolerance)``.
    memory : float or None
        Memory budget of one solve in MB (a file may say ``300MB`` or ``16GB``); ``None``
        (default): half the memory available when the solve starts. The worker count is cut
        so that the model's estimated footprint fits (``cpsat.memory``); a model that does
        not fit with one worker is not searched and the dispatch plan is returned, saying so.
    big_model_variables, big_model_workers : int
        A whole-model search of more than ``big_model_variables`` variables uses at most
        ``big_model_workers`` workers: at 1,000 orders with materials (114,000 variables)
        1 to 16 workers reached the same objective within 0.1 % while peak memory grew from
        1.1 to 2.8 GB on this machine, and at 5,000 orders 16 workers on a 16-core server
        returned the dispatch plan as 2 did, with 79 GB against 12 GB (benchmarks/README.md).
    presolve : str
        CP-SAT presolve: ``auto`` (default), ``off``, ``light`` (no probing, one pass) or
        ``full``. ``auto`` picks by the model's shape (``cpsat.model.presolve_level``): ``full``
        for a deterministic solve where every step has one resource and no stock is modelled
        (a job shop: la16 0.59 deterministic units against 2.15 with it off), ``off`` for
        everything else (with alternative resources full presolve doubled the demo's time to
        proof and delayed the first plan by 4 s at 200 orders; benchmarks/README.md).
    skip_subsolvers : tuple of str
        CP-SAT full-problem subsolvers left out of the deterministic setting's interleaved
        search (a list in files: ``[fixed]`` by default, ``[]`` runs all nine). Interleaved,
        every subsolver takes its turn at deterministic time, and ``fixed`` (the
        hint-following fixed search) spent its turns for nothing measurable: without it the
        classic job shops reached their optimum 1.2-2.5x sooner on 6 of 7 (la16 1.5x later,
        still 1.1x the textbook model); in the same setting the demo's median time to proof
        fell from 3.9 to 3.0 s and the 200-order plant's from 133.7 to 125.6 s, and the
        what-ifs at 200 and 1,000 orders gave the same answers (benchmarks/README.md).
        Parallel (non-deterministic) solves with 2 workers do not run it anyway.
    search : str
        ``cpsat`` solves the whole model; ``lns`` improves the dispatch plan by re-solving
        neighbourhoods of ``lns_orders`` orders (``lns_step_limit`` seconds each: by default
        2 s, and 2 s per 2,000 orders above 2,000, since each neighbourhood's model carries
        every other order's steps as downtime; ``lns.step_seconds``); ``auto``
        (default) uses LNS above ``lns_above`` orders, where it measured better, with
        materials too: a neighbourhood's orders get the stock, supplier capacity and finished
        goods the others leave (``solve.residual_supply``), in neighbourhoods of
        ``lns_supply_orders``.
    overtime_cost_per_hour : float
        What an hour of overtime on a resource costs (money), where the resource gives no
        ``overtime_cost_per_hour`` of its own: prices the overtime levers of ``replan explain``
        (``explain.levers``). 50 is an assumption, not a figure from the plant: set it.
    changeover_lns_above, changeover_lns_orders : int
        On a plant with a changeover matrix ``search: auto`` uses LNS above
        ``changeover_lns_above`` orders (not ``lns_above``), with neighbourhoods of
        ``changeover_lns_orders`` orders chosen adaptively: the whole model's circuits grow
        with the square of each machine's steps, and at 60-200 orders small neighbourhoods
        measured 14-29 % better in the same budget, the whole model 28 % better at 40
        (benchmarks/README.md, "Changeovers").
    changeover_cost_per_hour : float
        What an hour of changeover costs (money: operators, scrap, lost output), charged on
        machines with a changeover matrix (the objective's ``changeover`` term). 50 is an
        assumption, as for overtime: set it.
    explain_time_limit : float
        Seconds for each solve that prices a lever of ``replan explain`` (the order alone,
        or with the lower-ranked orders ahead of it, re-solved around the others).
    partial_delivery_cost : float
        What one more delivery costs (money: freight, paperwork) when a late order is split
        into a part on time and the rest later, for customers and orders with
        ``partial_delivery``. 100 is an assumption, not a figure from the plant: set it.
    close_call_share : float
        A what-if whose two options (as asked, with date) cost within this share of each other
        says so in its verdict (``close_call``): both costs are the best plans found within
        the time limit, not proven least, and on the demo's rush (1.8 % apart) the
        recommendation turned with ``--whatif-time-limit`` 2 to 12 (README). 0.05 by default;
        0 never flags.
    warning_levers : int
        What-if warnings: at most this many late orders the change harms (highest ranked
        first) get their levers priced one by one, as ``replan explain`` does (each solve
        within ``explain_time_limit``); the others get the all-at-once check only. 0 turns
        the pricing off (it adds 0.1-0.2 s per order on the demo, 1.8-3 s at 200 orders).
    lns_workers : int
        At most this many CP-SAT workers solve one LNS neighbourhood (the rest of
        ``workers`` stay idle). Every worker copies the model: at 1,000 orders with materials
        a neighbourhood took about 14 MB per worker, so 16 workers peaked at 1.8 times the
        memory of 2 (509 against 279 MB) for no better plan on this 2-core machine; with 8
        the ratio is at most 1.34. Two neighbourhoods solved at once (one worker each) were
        no better than one with both workers (benchmarks/lns_parallel.py), so spare workers
        are not spent on parallel neighbourhoods.
    lns_portfolio : int
        LNS neighbourhoods (of distinct orders) solved per round and merged in turn, each
        kept where it lowers the objective and the plan stays valid beside the others
        (``lns.improve``). 1 (default) on one machine: there the pieces run one after the
        other and a round costs its longest piece's deterministic time, so more pieces only
        cost wall time. With ``--dask`` (a cluster's workers side by side) it defaults to the
        number of Dask workers. Plants with supply always use 1 (their orders share stock and
        suppliers).
    local_search : bool
        CP-SAT's local-search subsolvers (feasibility jump, violation LS) with parallel
        workers. On by default; the engine switches them off where OR-Tools 9.15 crashed the
        process in them (``cpsat.model._without_local_search``): what-if models with limits
        or the promise objective and presolve off, and LNS neighbourhoods with supply.
    lns_neighbourhoods : str
        ``near_due`` (default): every LNS neighbourhood frees the orders due nearest a late
        order's due date (those it competes with for capacity); ``near_late``: the orders whose
        work lies nearest in time to where a late one ended (the default until measured
        weaker at 1,000 and 5,000 orders, benchmarks/README.md); ``adaptive``: five kinds
        (these two, one resource's queue around a time, one material's users, random) chosen
        by how often each improved the plan, at a size that adapts to how fast the sub-solves
        finish (``solve.neighbourhoods``). A what-if's minimal change always uses ``near_late``
        around the change.
    log_search : bool
        Print CP-SAT's search log.
    supplier_risk : str
        How an unreliable supplier (reliability r < 1) is planned: ``pad`` (default) plans
        with lead time / r, so promised dates hold as often as the supplier delivers late;
        ``premium`` keeps the nominal lead time and charges price x (1/r - 1) per unit as the
        ``risk`` term; ``none`` ignores reliability.
    holding_rate : float
        Yearly carrying cost of stock as a share of its value (materials at their unit cost,
        finished goods at product plus material cost); charged on stock held over the horizon.
    stock_model : str
        Time-phased stock in CP-SAT: ``reservoir`` (one reservoir constraint per material),
        ``buckets`` (cumulative use checked just before each receipt) or ``auto`` (default):
        reservoir up to ``reservoir_max_uses`` orders that may draw on a material.
    split_needs : bool
        Whether one order's need for a material may come in parts (``sources.split_ways``):
        from stock and a purchase together (the stock part is what stock and open receipts
        hold in all by one of their arrivals, the rest is bought), or bought in two purchases
        cut at what one offer delivers in a period (after such a stock part, or the whole
        need). Off, each need has one source.
    surplus_to_stock : bool
        Whether the units a shipment is topped up with to reach its supplier's minimum order
        go into stock when it arrives, for later draws (charged holding like stock on hand).
        Off, the surplus is bought and paid but no order may use it.
    frozen : timedelta
        What-if: baseline steps starting within this window after ``now`` keep their resource
        and start (a duration; ``0h`` = nothing frozen beyond work already started).
    protect : str
        What-if promise rule: which other orders a customer change may not harm. ``due``
        (default, the capable-to-promise rule planners use): no other order becomes late, and
        a late order gets no later. ``plan``: no other order finishes later than in the
        baseline (for customers already told the planned date).
    protect_tolerance : timedelta
        What-if: how much later than the protect rule allows another order may finish and
        still count as unharmed (a duration; default ``0m``).
    stability_cost_per_day : float
        What-if (minimal change): money per day a baseline step moves, either way.
    resource_change_cost : float
        What-if: money per baseline step moved to another resource.
    dispatch_rule : str
        Rule of the ``dispatch`` strategy: edd, min_slack, wspt, cr or atc (default).
    affected_window : timedelta
        ``affected`` strategy: how far after the first touched step other orders on the same
        resources are freed too.
    whatif_lns_above : int
        What-if: above this many orders (with or without supply), minimal change improves the
        best hint by neighbourhoods of ``whatif_lns_orders`` orders around the changed ones
        instead of solving the whole model (measured: the whole model stalls at its hint from
        200 orders within seconds). Plants with supply use ``whatif_lns_above_supply``.
    whatif_lns_above_supply : int
        ``whatif_lns_above`` for plants with supply. Measured (``benchmarks/whatif_supply.py``,
        3 seeds): at 200 orders the whole model answered in 6-7 s, neighbourhoods in 8-16 s
        (their one-worker solves with supply are slow per unit) at a similar cost; at 500
        neighbourhoods took 14-22 s against 24-25 s and cost 2-7 % less, at 1,000 13-19 s and
        0.5-0.6 GB against 42-49 s and 1.7 GB, 3-5 % less. The crossover lies between 200
        and 500.
    whatif_lns_orders : int
        See ``whatif_lns_above``; also the orders freed around the asked ones when a big
        book's promise dates and as-asked option are set on a neighbourhood.
    whatif_time_limit : float
        What-if: seconds for the solves of one change set's answer, shared among them
        (``whatif/budget.py``: proposal 40 %, promise dates 30 %, as-asked option 20 %,
        warnings check 10 %); each solve also stays within ``time_limit``. With
        ``deterministic``, the same number of deterministic units.
    alert_slack : timedelta
        What-if warnings: an on-time order with less slack than this (T-3: three days) raises
        an internal alert.
    reservoir_max_uses : int
        See ``stock_model``. Measured (benchmarks/README.md): the two tie when a material has
        a handful of drawing orders; from about 10 the reservoir's bound stays near zero while
        the checkpoints prove gaps of 0-30 %, hence 5.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    time_limit: Annotated[float, Field(gt=0, le=604800)] = 10.0
    deterministic: bool | None = None
    deterministic_time: Annotated[float, Field(gt=0, le=604800)] | None = None
    wall_cap_factor: Annotated[float, Field(ge=1, le=WALL_CAP_FACTOR_MAX)] = 10.0
    wall_cap_min: Annotated[float, Field(ge=0, le=604800)] = 60.0
    workers: Annotated[int, Field(ge=1, le=1024)] = Field(default_factory=_default_workers)
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    ranking: RankingWeights = RankingWeights()
    tiers: dict[str, Annotated[float, Field(ge=0, le=1)]] = {"A": 1.0, "B": 0.6, "C": 0.3}
    urgency_window: Duration = timedelta(days=7)
    max_weight: Annotated[int, Field(ge=1, le=1000)] = 10
    tardiness_cost_per_day: Annotated[float, Field(ge=0)] = 200.0
    bottleneck_threshold: Annotated[float, Field(gt=0, le=1)] = 0.85
    on_time_target: Annotated[float, Field(ge=0, le=1)] = 0.95
    oee_target: Annotated[float, Field(ge=0, le=1)] = 0.8
    inventory_days_target: Annotated[float, Field(ge=0, le=3650)] | None = None
    inventory_days_targets: dict[str, Annotated[float, Field(ge=0, le=3650)]] = {}
    inventory_days_tolerance: Annotated[float, Field(ge=0, le=1)] = 0.2
    memory: MemorySize | None = None
    big_model_variables: Annotated[int, Field(ge=1)] = 100_000
    big_model_workers: Annotated[int, Field(ge=1, le=1024)] = 2
    presolve: Literal["auto", "off", "light", "full"] = "auto"
    skip_subsolvers: tuple[FullSubsolver, ...] = ("fixed",)
    search: Literal["auto", "cpsat", "lns"] = "auto"
    lns_above: Annotated[int, Field(ge=0)] = 300
    lns_orders: Annotated[int, Field(ge=1)] = 150
    changeover_lns_above: Annotated[int, Field(ge=0)] = 50
    changeover_lns_orders: Annotated[int, Field(ge=1)] = 20
    lns_supply_orders: Annotated[int, Field(ge=1)] = 40
    lns_workers: Annotated[int, Field(ge=1, le=1024)] = 8
    lns_portfolio: Annotated[int, Field(ge=1, le=256)] = 1
    lns_neighbourhoods: Literal["adaptive", "near_due", "near_late"] = "near_due"
    local_search: bool = True
    lns_step_limit: Annotated[float, Field(gt=0)] | None = None
    log_search: bool = False
    supplier_risk: Literal["pad", "premium", "none"] = "pad"
    holding_rate: Annotated[float, Field(ge=0, le=10)] = 0.25
    stock_model: Literal["auto", "reservoir", "buckets"] = "auto"
    split_needs: bool = True
    surplus_to_stock: bool = True
    reservoir_max_uses: Annotated[int, Field(ge=0)] = 5
    frozen: Duration = timedelta(0)
    protect: Literal["due", "plan"] = "due"
    protect_tolerance: Duration = timedelta(0)
    stability_cost_per_day: Annotated[float, Field(ge=0)] = 10.0
    resource_change_cost: Annotated[float, Field(ge=0)] = 5.0
    alert_slack: Duration = timedelta(days=3)
    dispatch_rule: Literal["edd", "min_slack", "wspt", "cr", "atc"] = "atc"
    affected_window: Duration = timedelta(days=2)
    whatif_lns_above: Annotated[int, Field(ge=0)] = 100
    whatif_lns_above_supply: Annotated[int, Field(ge=0)] = 300
    whatif_lns_orders: Annotated[int, Field(ge=1)] = 50
    whatif_time_limit: Annotated[float, Field(gt=0, le=604800)] = 4.0
    overtime_cost_per_hour: Annotated[float, Field(ge=0)] = 50.0
    changeover_cost_per_hour: Annotated[float, Field(ge=0, le=10**6)] = 50.0
    explain_time_limit: Annotated[float, Field(gt=0, le=3600)] = 2.0
    partial_delivery_cost: Annotated[float, Field(ge=0)] = 100.0
    warning_levers: Annotated[int, Field(ge=0, le=100)] = 3
    close_call_share: Annotated[float, Field(ge=0, le=1)] = 0.05

    @field_validator("tiers", "inventory_days_targets", mode="before")
    @classmethod
    def _tier_keys_as_text(cls, value: object) -> object:
        # YAML reads tier 1 (or item 1001) as an int; keys are matched as text everywhere.
        if isinstance(value, dict):
            return {str(k): v for k, v in value.items()}
        return value

    @field_validator("urgency_window")
    @classmethod
    def _window_is_duration(cls, value: timedelta) -> timedelta:
        if value.total_seconds() <= 0:
            raise ValueError("urgency_window must be longer than zero")
        return value

    @field_validator("frozen", "alert_slack", "affected_window", "protect_tolerance")
    @classmethod
    def _non_negative_duration(cls, value: timedelta) -> timedelta:
        if value.total_seconds() < 0:
            raise ValueError("must not be negative")
        return value

    @field_validator("skip_subsolvers")
    @classmethod
    def _some_subsolver_left(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) >= len(get_args(FullSubsolver)):
            raise ValueError("must leave at least one subsolver to search; [] skips none")
        return value

    def resolved(self, deterministic_by_default: bool) -> Settings:
        """A copy whose ``deterministic`` is decided: the command's default when unset."""
        if self.deterministic is not None:
            return self
        return self.with_overrides(deterministic=deterministic_by_default)

    def share(self, fraction: float, at_least: float = 0.0) -> Settings:
        """A copy with a share of the solve limit, wall-clock and deterministic alike.

        The copy keeps this one's wall-clock cap (see ``cut_to``).
        """
        deterministic = self.deterministic_time
        return self._cut(
            max(at_least, self.time_limit * fraction),
            None if deterministic is None else max(at_least, deterministic * fraction),
        )

    def within(self, seconds: float) -> Settings:
        """A copy whose solve limit is at most ``seconds``, wall-clock and deterministic alike.

        The copy keeps this one's wall-clock cap (see ``cut_to``).
        """
        deterministic = self.deterministic_time
        return self._cut(
            min(self.time_limit, seconds),
            None if deterministic is None else min(deterministic, seconds),
        )

    @property
    def wall_cap(self) -> float:
        """Wall-clock seconds after which a deterministic solve stops all the same:
        ``wall_cap_factor x time_limit``, and at least ``wall_cap_min``."""
        return max(self.wall_cap_min, self.time_limit * self.wall_cap_factor)

    def cut_to(self, seconds: float) -> Settings:
        """A copy for one solve of ``seconds`` inside this one's budget (an LNS step, say).

        With ``deterministic`` the solve stops after ``seconds`` deterministic units, and its
        wall-clock cap stays this one's ``wall_cap`` (``wall_cap_factor`` is scaled up by the
        cut, within its bounds of 1 to 1,000). The cap stops a runaway solve; it must not
        decide an answer. A what-if share of 0.3 s capped at 10 times itself (3 s) was hit on
        a busy 2-core machine, where one deterministic unit cost 5-9 s of wall time on one
        worker, and the answer then differed (benchmarks/README.md, "A wall-clock cap that
        decided a verdict"). The budget that cuts the solves bounds them all together:
        ``solve.lns.Budget`` stops at the same cap.
        """
        return self._cut(seconds, seconds if self.deterministic else None)

    def _cut(self, seconds: float, deterministic_time: float | None) -> Settings:
        factor = min(WALL_CAP_FACTOR_MAX, max(1.0, self.wall_cap / seconds))
        return self.with_overrides(
            time_limit=seconds, deterministic_time=deterministic_time, wall_cap_factor=factor
        )

    def with_overrides(self, **overrides: object) -> Settings:
        """A copy with the given fields replaced (``None`` values are ignored), re-validated."""
        data = self.model_dump()
        data.update({k: v for k, v in overrides.items() if v is not None})
        return Settings.model_validate(data)
