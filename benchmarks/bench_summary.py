"""Write a bench run's summary and plots again from its ``bench.csv`` (no replay).

Usage::

    python -m benchmarks.bench_summary benchmarks/results/medium_r5 --title "Suite medium"

For a finished run whose summary code changed since: the rows are the data, the summary and
plots are derived from them (``solver.report.bench.write_outputs``), so this gives what the
run would now write.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

from solver.report.bench import write_outputs


def read_rows(path: Path) -> list[dict]:
    """The CSV's rows as the bench made them: a cell left empty is a key the row did not have."""
    frame = pd.read_csv(path)
    rows = []
    for record in frame.to_dict("records"):
        rows.append(
            {k: v for k, v in record.items() if not (isinstance(v, float) and math.isnan(v))}
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--title", default="Suite")
    args = parser.parse_args(argv)
    rows = read_rows(args.folder / "bench.csv")
    write_outputs(rows, args.folder, args.title)
    print(f"summary and plots written again in {args.folder}/")


if __name__ == "__main__":
    main()
