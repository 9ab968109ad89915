"""Bench output: the per-event CSV, a summary per strategy with ratios to the best, and plots."""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no screen
import matplotlib.pyplot as plt  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from solver.report.output import Batch, open_output, write_text  # noqa: E402

# (column, label, aggregate, lower is better)
METRICS = (
    ("weighted_tardiness_days", "weighted tardiness (days, mean)", "mean", True),
    ("on_time_rate", "on time (mean)", "mean", False),
    ("margin", "margin (mean)", "mean", False),
    ("cost", "cost (mean)", "mean", True),
    ("steps_moved", "steps moved", "sum", True),
    ("total_shift_hours", "shift (h)", "sum", True),
    ("resource_changes", "resource changes", "sum", True),
    ("sequence_swaps", "sequence swaps", "sum", True),
    ("orders_moved", "orders moved", "sum", True),
    ("promised_dates_broken", "dates broken", "sum", True),
    ("seconds_p50", "solve s p50", "p50", True),
    ("seconds_p95", "solve s p95", "p95", True),
)


# The files ``write_outputs`` makes in its folder.
OUTPUT_FILES = ("bench.csv", "summary.md", "service_vs_stability.png", "cumulative_tardiness.png")


def write_rows(rows: list[dict], path: Path, batch: Batch | None = None) -> None:
    """Rows as CSV (columns in order of first appearance), replacing ``path`` atomically."""
    fields = list(dict.fromkeys(key for row in rows for key in row))
    with open_output(path, newline="", batch=batch) as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def summarise(rows: list[dict]) -> dict[str, dict[str, float]]:
    """Strategy -> metric -> value over every plant and event it planned."""
    summary: dict[str, dict[str, float]] = {}
    for strategy in dict.fromkeys(r["strategy"] for r in rows):
        mine = [r for r in rows if r["strategy"] == strategy]
        planned = [r for r in mine if "cost" in r]
        seconds = sorted(r["seconds"] for r in mine if "seconds" in r) or [0.0]
        values: dict[str, float] = {}
        for column, _, how, _ in METRICS:
            if how == "p50":
                values[column] = statistics.median(seconds)
            elif how == "p95":
                values[column] = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
            else:
                data = [r[column] for r in planned]
                values[column] = (
                    (sum(data) / len(data) if how == "mean" else sum(data)) if data else 0
                )
        values["planned"] = len(planned)
        values["skipped"] = sum(1 for r in mine if r.get("status") == "skipped")
        values["failed"] = sum(1 for r in mine if r.get("status") == "failed")
        values["violations"] = sum(r.get("violations", 0) for r in planned)
        summary[strategy] = values
    return summary


def ratio(summary: dict, column: str, strategy: str, lower_is_better: bool) -> float | None:
    """The strategy's value over the best strategy's (1.0 = best); None when undefined."""
    values = [s[column] for s in summary.values()]
    best = min(values) if lower_is_better else max(values)
    mine = summary[strategy][column]
    if lower_is_better:
        return None if best <= 0 and mine > 0 else (1.0 if mine == best else mine / best)
    return None if mine <= 0 else best / mine


def _cell(summary: dict, column: str, strategy: str, lower: bool) -> str:
    value = summary[strategy][column]
    shown = (
        f"{value:.1%}"
        if column == "on_time_rate"
        else f"{value:,.2f}"
        if isinstance(value, float) and not value.is_integer()
        else f"{value:,.0f}"
    )
    r = ratio(summary, column, strategy, lower)
    return f"{shown} (x{r:.2f})" if r is not None else f"{shown} (-)"


def markdown(summary: dict) -> str:
    head = ["strategy", *(label for _, label, _, _ in METRICS), "planned / skipped / failed"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for strategy, values in summary.items():
        cells = [_cell(summary, c, strategy, lower) for c, _, _, lower in METRICS]
        counts = f"{values['planned']:.0f} / {values['skipped']:.0f} / {values['failed']:.0f}"
        lines.append("| " + " | ".join([strategy, *cells, counts]) + " |")
    return "\n".join(lines)


def print_summary(console: Console, summary: dict, title: str) -> None:
    table = Table(title=title + " (x ratio to the best strategy)", title_justify="left")
    table.add_column("metric")
    for strategy in summary:
        table.add_column(strategy, justify="right")
    for column, label, _, lower in METRICS:
        table.add_row(label, *(_cell(summary, column, s, lower) for s in summary))
    table.add_row(
        "planned / skipped / failed",
        *(f"{v['planned']:.0f} / {v['skipped']:.0f} / {v['failed']:.0f}" for v in summary.values()),
    )
    table.add_row("checker violations", *(f"{v['violations']:.0f}" for v in summary.values()))
    console.print(table)


def _save(figure, path: Path, batch: Batch | None) -> None:
    """Save a figure as PNG, replacing ``path`` atomically; the figure is closed."""
    try:
        with open_output(path, binary=True, batch=batch) as handle:
            figure.savefig(handle, format="png", dpi=110)
    finally:
        plt.close(figure)


def plot_service_vs_stability(summary: dict, path: Path, batch: Batch | None = None) -> None:
    figure, axes = plt.subplots(figsize=(6, 4.5))
    for strategy, values in summary.items():
        axes.scatter(values["steps_moved"], values["weighted_tardiness_days"], s=60)
        axes.annotate(
            strategy,
            (values["steps_moved"], values["weighted_tardiness_days"]),
            textcoords="offset points",
            xytext=(6, 4),
        )
    axes.set_xlabel("steps moved (sum over events)")
    axes.set_ylabel("weighted tardiness, days (mean per event)")
    axes.set_title("Service against stability (lower left is better)")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    _save(figure, path, batch)


def plot_cumulative_tardiness(rows: list[dict], path: Path, batch: Batch | None = None) -> None:
    figure, axes = plt.subplots(figsize=(7, 4.5))
    first_plant = rows[0]["plant_index"]
    for strategy in dict.fromkeys(r["strategy"] for r in rows):
        mine = [r for r in rows if r["strategy"] == strategy and r["plant_index"] == first_plant]
        axes.plot(
            [r["event"] for r in mine],
            [r["cumulative_weighted_tardiness_days"] for r in mine],
            marker="o",
            label=strategy,
        )
    axes.set_xlabel(f"event ({rows[0]['plant']})")
    axes.set_ylabel("cumulative weighted tardiness, days")
    axes.set_title("Cumulative tardiness over the stream")
    axes.legend()
    axes.grid(alpha=0.3)
    figure.tight_layout()
    _save(figure, path, batch)


def write_outputs(rows: list[dict], out: Path, title: str) -> dict:
    """CSV, summary (Markdown) and the two plots (``OUTPUT_FILES``) in ``out``; returns the
    summary. All four replace their files together, or none does (``output.Batch``)."""
    out.mkdir(parents=True, exist_ok=True)
    csv_file, summary_file, service_file, tardiness_file = (out / n for n in OUTPUT_FILES)
    summary = summarise(rows)
    with Batch() as batch:
        write_rows(rows, csv_file, batch)
        write_text(summary_file, f"# {title}\n\n" + markdown(summary) + "\n", batch)
        plot_service_vs_stability(summary, service_file, batch)
        plot_cumulative_tardiness(rows, tardiness_file, batch)
    return summary
