"""Family 4, changeovers: a circuit over the steps of each machine with a changeover matrix.

Node 0 opens and closes the machine's sequence; every other node is a step that may run there
(one per eligible option, with the option's presence; an absent option loops on itself). An
arc ``a -> b`` says that ``b`` directly follows ``a``, and then ``b`` starts no earlier than
``a``'s end plus the changeover between their families. Every arc carries that precedence
(with a changeover of 0 too): an arc that did not could let the circuit skip past a step and
charge the wrong changeover. The NoOverlap of family 3 stays; it propagates better.

Arcs that no plan can use are left out: ``a`` cannot end, changed over, before ``b``'s latest
start. Steps of orders outside the model that stay where they are (``Plant.kept``, an LNS
neighbourhood) are constant nodes: between two of them only the arc to the next one in time
can be used, and a step can go just before a kept one only if it fits in the gap before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.domain.plant import Changeover, Plant
from solver.solve.cpsat.variables import (
    ChangeoverVars,
    ModelVars,
    new_arc,
    new_machine_sequence,
)


@dataclass
class _Node:
    key: tuple[str, int]  # (order, step index); ("", start) for a kept step
    family: str
    start: cp_model.LinearExprT
    end: cp_model.LinearExprT
    size: int  # ticks of work: no longer than start to end
    domain: cp_model.Domain  # the starts it may take
    present: cp_model.IntVar | None  # None: always there (a kept step)

    @property
    def earliest_end(self) -> int:
        return self.domain.min() + self.size

    @property
    def latest_start(self) -> int:
        return self.domain.max()


def add_changeovers(
    model: cp_model.CpModel, plant: Plant, variables: ModelVars
) -> list[ChangeoverVars]:
    """A circuit with changeover precedences on every machine whose matrix can bind.

    Returns
    -------
    list of ChangeoverVars
        Per machine, its nodes and arcs (for hints, the objective's ``changeover`` term and
        reading the sequence back).
    """
    found = []
    for rid, matrix in plant.changeovers.items():
        nodes = _nodes(plant, variables, rid)
        families = {node.family for node in nodes}
        if not any(matrix.ticks(a, b) for a in families for b in families):
            continue  # no changeover between the families that run here: NoOverlap suffices
        found.append(_circuit(model, rid, matrix, nodes))
    return found


def _nodes(plant: Plant, variables: ModelVars, rid: str) -> list[_Node]:
    nodes = []
    for order in variables.orders.values():
        family = plant.family(order.order)
        for step in order.steps:
            for option in step.options:
                if option.resource == rid:
                    nodes.append(
                        _Node(
                            (order.order, step.index),
                            family,
                            step.start,
                            option.end_expr(step.start),
                            option.size,
                            option.domain,
                            option.present,
                        )
                    )
    for kept in plant.kept.get(rid, ()):
        domain = cp_model.Domain(kept.start, kept.start)
        nodes.append(
            _Node(
                ("", kept.start),
                kept.family,
                kept.start,
                kept.end,
                kept.end - kept.start,
                domain,
                None,
            )
        )
    return nodes


def _circuit(
    model: cp_model.CpModel, rid: str, matrix: Changeover, nodes: list[_Node]
) -> ChangeoverVars:
    found = new_machine_sequence(model, rid, [node.key for node in nodes])
    arcs: list[tuple[int, int, cp_model.IntVar]] = [(0, 0, found.idle)]
    kept = sorted((node.latest_start, i) for i, node in enumerate(nodes, 1) if node.present is None)
    next_kept = {i: after for (_, i), (_, after) in zip(kept, kept[1:], strict=False)}
    gap_before = _gaps_before(nodes, kept)
    for i, node in enumerate(nodes, 1):
        arcs += [(0, i, found.first[i]), (i, 0, found.last[i])]
        if node.present is not None:
            arcs.append((i, i, ~node.present))
    for i, a in enumerate(nodes, 1):
        for j, b in enumerate(nodes, 1):
            if i == j:
                continue
            if a.present is None and b.present is None and next_kept.get(i) != j:
                continue  # kept steps keep their order: only the next one can follow
            ticks = matrix.ticks(a.family, b.family)
            if a.earliest_end + ticks > b.latest_start:
                continue
            if b.present is None and a.present is not None and not _fits(a, ticks, gap_before[j]):
                continue
            arc = new_arc(model, found, i, j, ticks)
            model.add(b.start >= a.end + ticks).only_enforce_if(arc.literal)
            arcs.append((i, j, arc.literal))
    model.add_circuit(arcs)
    return found


def _gaps_before(nodes: list[_Node], kept: list[tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """Kept node -> the ticks between the kept step before it and its start (before the first:
    from the earliest start of any node, which may be a step in progress since before the
    plan start)."""
    gaps = {}
    previous_end = min(node.domain.min() for node in nodes)
    for start, i in kept:
        gaps[i] = (previous_end, start)
        previous_end = start + nodes[i - 1].size
    return gaps


def _fits(node: _Node, ticks: int, gap: tuple[int, int]) -> bool:
    """Whether ``node`` can start in ``gap`` and end ``ticks`` before the gap's end."""
    begin, end = gap
    return not node.domain.intersection_with(
        cp_model.Domain(begin, max(begin - 1, end - node.size - ticks))
    ).is_empty()


def changeover_expr(plant: Plant, variables: ModelVars, per_tick: int) -> cp_model.LinearExprT:
    """Objective units of the changeovers the circuits choose (``per_tick`` a tick)."""
    return sum(
        per_tick * arc.ticks * arc.literal
        for machine in variables.changeovers
        for arc in machine.arcs
        if arc.ticks
    )
