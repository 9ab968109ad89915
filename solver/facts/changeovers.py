"""Changeovers of a plan: the setups between consecutive steps on machines with a matrix.

Shared by the checker (a step that starts before the changeover from the step before it is
done), the KPIs (changeover time and count per machine) and the objective's ``changeover``
term, so that the three always agree with each other and with the CP-SAT model's circuit.

A changeover is elapsed time between the two steps: it may run across a break (the model's
simplification, README "Changeovers"). Steps of orders outside the plant that stay where
they are (``Plant.kept``, an LNS neighbourhood's fixed orders) take part in the sequence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from solver.domain.plan import Plan
from solver.domain.plant import Plant


@dataclass(frozen=True)
class Setup:
    """One changeover: on ``resource``, from ``before`` (order, step id; empty for a kept
    step) to ``after``, needing ``ticks`` between ``end`` and ``start``."""

    resource: str
    before: tuple[str, str]
    after: tuple[str, str]
    families: tuple[str, str]
    end: int
    start: int
    ticks: int

    @property
    def short(self) -> int:
        """Ticks by which the gap falls short of the changeover (0 when it is kept)."""
        return max(0, self.end + self.ticks - self.start)


def setups(plant: Plant, plan: Plan) -> list[Setup]:
    """Every changeover of the plan (pairs of consecutive steps on a machine with a matrix
    whose families differ or whose matrix lists the pair), in machine and time order.

    Steps are taken by start time; steps of unknown orders are left out (the checker reports
    them on their own).
    """
    found: list[Setup] = []
    for rid, steps in sequences(plant, plan).items():
        matrix = plant.changeovers[rid]
        for (end, fam_a, who_a), (start, fam_b, who_b) in zip(
            ((s[1], s[2], s[3]) for s in steps),
            ((s[0], s[2], s[3]) for s in steps[1:]),
            strict=False,
        ):
            ticks = matrix.ticks(fam_a, fam_b)
            if ticks > 0:
                found.append(Setup(rid, who_a, who_b, (fam_a, fam_b), end, start, ticks))
    return found


def sequences(plant: Plant, plan: Plan) -> dict[str, list[tuple[int, int, str, tuple[str, str]]]]:
    """Machine -> its steps as (start, end, family, (order, step id)), by start time."""
    by_machine: dict[str, list[tuple[int, int, str, tuple[str, str]]]] = defaultdict(list)
    for rid, kept in plant.kept.items():
        if rid in plant.changeovers:
            by_machine[rid] += [(k.start, k.end, k.family, ("", "")) for k in kept]
    for step in plan.steps:
        if step.resource in plant.changeovers and step.order in plant.orders:
            by_machine[step.resource].append(
                (step.start, step.end, plant.family(step.order), (step.order, step.step))
            )
    return {rid: sorted(steps) for rid, steps in by_machine.items()}


def changeover_summary(plant: Plant, plan: Plan) -> dict[str, tuple[int, int]]:
    """Machine -> (changeovers, ticks of changeover) for every machine with a matrix."""
    summary = {rid: (0, 0) for rid in plant.changeovers}
    for setup in setups(plant, plan):
        count, ticks = summary[setup.resource]
        summary[setup.resource] = (count + 1, ticks + setup.ticks)
    return summary
