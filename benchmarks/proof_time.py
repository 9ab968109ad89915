"""Time to the best plan and to a proven optimum, over several seeds (2 workers).

Usage::

    python -m benchmarks.proof_time --seeds 5 --limit 30
    python -m benchmarks.proof_time --orders 200 --seeds 3 --limit 120

The demo plant by default; ``--orders N`` a generated plant of N orders (``--plant-seed``, 1
as in the scale table). Each seed is one whole-model CP-SAT solve (``search: cpsat``) from the
dispatch hint, wall-clock limited. *best s* is when the solve first found the objective it
ends with; *proof s* is its solve time when it proved that objective optimal.

A model change that keeps objectives but slows the proof shows up here and nowhere else.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import yaml

from benchmarks.generate import TEMPLATE, generate_plant
from solver.domain.plant import Plant
from solver.facts.checker import check_plan
from solver.input.loading import load_plant
from solver.solve.search import plan


def the_plant(orders: int | None, seed: int) -> Plant:
    """The demo plant, or a generated one of ``orders`` orders."""
    if orders is None:
        return load_plant(TEMPLATE)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plant.yaml"
        path.write_text(yaml.safe_dump(generate_plant(orders, seed), sort_keys=False))
        return load_plant(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--limit", type=float, default=30)
    parser.add_argument("--orders", type=int, default=None)
    parser.add_argument("--plant-seed", type=int, default=1)
    parser.add_argument("--presolve", choices=("auto", "off", "light", "full"), default=None)
    parser.add_argument(
        "--deterministic",
        action="store_true",
        help="the deterministic setting: --limit is then deterministic-time units",
    )
    args = parser.parse_args(argv)
    plant = the_plant(args.orders, args.plant_seed).with_settings(
        search="cpsat", deterministic=args.deterministic
    )
    if args.presolve is not None:
        plant = plant.with_settings(presolve=args.presolve)
    proofs, bests = [], []
    for seed in range(args.seeds):
        found: list[tuple[float, float]] = []
        result = plan(
            plant.with_settings(workers=2, seed=seed, time_limit=args.limit),
            lambda seconds, objective, _bound, found=found: found.append((seconds, objective)),
        )
        assert check_plan(plant, result) == []
        final = min((o for _, o in found), default=result.objective)
        best = min((s for s, o in found if o <= final + 1e-6), default=0.0)
        proven = result.status == "OPTIMAL"
        proofs.append(result.solve_time if proven else float("inf"))
        bests.append(best)
        print(
            f"seed {seed}: {result.status} {result.objective:,.2f} best at {best:.1f} s, "
            f"solved in {result.solve_time:.1f} s",
            flush=True,
        )
    print(
        f"median time to best: {statistics.median(bests):.1f} s, "
        f"to proof: {statistics.median(proofs):.1f} s"
    )


if __name__ == "__main__":
    main()
