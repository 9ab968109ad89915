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

from solver.report import bench_stats  # noqa: E402
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


def _shown(column: str, value: float) -> str:
    if column == "on_time_rate":
        return f"{value:.1%}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def _cell(summary: dict, column: str, strategy: str, lower: bool) -> str:
    """The value, and how many times worse than the best it is (x1.00 = the best), in either
    direction; where the best is 0 no ratio exists and the difference is shown."""
    value = summary[strategy][column]
    r = ratio(summary, column, strategy, lower)
    if r is not None:
        return f"{_shown(column, value)} (x{r:.2f})"
    values = [v[column] for v in summary.values()]
    best = min(values) if lower else max(values)
    return f"{_shown(column, value)} ({'+' if value >= best else '-'}{_shown(column, abs(value - best))})"


def _signed(column: str, value: float) -> str:
    """A difference: percentage points for the on-time rate, else the metric's own unit."""
    if column == "on_time_rate":
        return f"{100 * value:+.1f} pp"
    return f"{value:+,.2f}"


def _direction(lower: bool) -> str:
    return "lower is better" if lower else "higher is better"


def replication_summaries(rows: list[dict]) -> list[dict[str, dict[str, float]]]:
    """One ``summarise`` per replication (rows without a replication column are one)."""
    reps = sorted({row.get("replication", 0) for row in rows})
    return [summarise([row for row in rows if row.get("replication", 0) == r]) for r in reps]


def replication_markdown(summaries: list[dict[str, dict[str, float]]]) -> str:
    """Means with 95 % intervals, the paired comparison with the best, and per metric the
    strategies the streams cannot tell from the best."""
    count = len(summaries)
    strategies = list(summaries[0])
    lines = [
        f"## {count} replications: mean and 95 % confidence interval",
        "",
        "| metric | " + " | ".join(strategies) + " |",
        "|---|" + "---|" * len(strategies),
    ]
    verdicts = []
    paired_lines = [
        "## Against the best, paired over the same streams",
        "",
        "Difference from the best strategy's value (its 95 % interval) and the streams on "
        "which each strategy was best.",
        "",
        "| metric | best | " + " | ".join(strategies) + " |",
        "|---|---|" + "---|" * len(strategies),
    ]
    for column, label, _, lower in METRICS:
        values = bench_stats.by_replication(summaries, column)
        found = bench_stats.estimates(values)
        cells = [
            f"{_shown(column, e.mean)} [{_shown(column, e.low)}, {_shown(column, e.high)}]"
            for e in found.values()
        ]
        lines.append(f"| {label} ({_direction(lower)}) | " + " | ".join(cells) + " |")
        compared = bench_stats.against_best(values, lower)
        best = next(iter(compared.values())).best
        paired = [
            f"{_signed(column, p.difference)} [{_signed(column, p.low)}, "
            f"{_signed(column, p.high)}], won {p.wins}/{p.streams}"
            for p in compared.values()
        ]
        paired_lines.append(f"| {label} | {best} | " + " | ".join(paired) + " |")
        same = [s for s, p in compared.items() if p.indistinguishable and s != best]
        unknown = any(p.indistinguishable is None for p in compared.values())
        verdicts.append(
            f"- {label} ({_direction(lower)}): best {best}; "
            + (
                "one stream cannot tell strategies apart"
                if unknown
                else "indistinguishable from it: " + (", ".join(same) if same else "none")
            )
        )
    return "\n".join(
        lines
        + [""]
        + paired_lines
        + ["", "## Which strategies the streams cannot tell from the best", ""]
        + verdicts
    )


def markdown(summary: dict) -> str:
    """Every strategy's metrics over all streams; x: times worse than the best (either
    direction), +/-: the difference where the best is 0."""
    head = [
        "strategy",
        *(f"{label} ({_direction(lower)})" for _, label, _, lower in METRICS),
        "planned / skipped / failed",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for strategy, values in summary.items():
        cells = [_cell(summary, c, strategy, lower) for c, _, _, lower in METRICS]
        counts = f"{values['planned']:.0f} / {values['skipped']:.0f} / {values['failed']:.0f}"
        lines.append("| " + " | ".join([strategy, *cells, counts]) + " |")
    return "\n".join(lines)


def print_summary(console: Console, summary: dict, title: str) -> None:
    table = Table(
        title=title + " (x: times worse than the best, in either direction; +/-: the "
        "difference where the best is 0)",
        title_justify="left",
    )
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


def print_replications(console: Console, summaries: list[dict[str, dict[str, float]]]) -> None:
    """Each strategy's mean with its 95 % interval, and who the streams cannot tell from the
    best (paired over the same streams); nothing with a single replication."""
    if len(summaries) < 2:
        return
    strategies = list(summaries[0])
    table = Table(
        title=f"{len(summaries)} replications: mean [95 % interval]; = : indistinguishable "
        "from the best (paired), * : the best",
        title_justify="left",
    )
    table.add_column("metric")
    for strategy in strategies:
        table.add_column(strategy, justify="right")
    for column, label, _, lower in METRICS:
        values = bench_stats.by_replication(summaries, column)
        found = bench_stats.estimates(values)
        compared = bench_stats.against_best(values, lower)
        cells = []
        for strategy in strategies:
            e, p = found[strategy], compared[strategy]
            mark = "*" if strategy == p.best else "=" if p.indistinguishable else ""
            cells.append(
                f"{_shown(column, e.mean)} [{_shown(column, e.low)}, {_shown(column, e.high)}]{mark}"
            )
        table.add_row(f"{label} ({_direction(lower)})", *cells)
    console.print(table)


def _save(figure, path: Path, batch: Batch | None) -> None:
    """Save a figure as PNG, replacing ``path`` atomically; the figure is closed."""
    try:
        with open_output(path, binary=True, batch=batch) as handle:
            figure.savefig(handle, format="png", dpi=110)
    finally:
        plt.close(figure)


def plot_service_vs_stability(
    summary: dict,
    path: Path,
    batch: Batch | None = None,
    summaries: list[dict[str, dict[str, float]]] | None = None,
) -> None:
    """Steps moved against weighted tardiness per strategy; with several replications, their
    means with 95 % intervals as error bars."""
    figure, axes = plt.subplots(figsize=(6, 4.5))
    moved = tardy = None
    if summaries and len(summaries) > 1:
        moved = bench_stats.estimates(bench_stats.by_replication(summaries, "steps_moved"))
        tardy = bench_stats.estimates(
            bench_stats.by_replication(summaries, "weighted_tardiness_days")
        )
    for strategy, values in summary.items():
        x, y = values["steps_moved"], values["weighted_tardiness_days"]
        if moved and tardy:
            x, y = moved[strategy].mean, tardy[strategy].mean
            axes.errorbar(
                x,
                y,
                xerr=[[x - moved[strategy].low], [moved[strategy].high - x]],
                yerr=[[y - tardy[strategy].low], [tardy[strategy].high - y]],
                fmt="o",
                capsize=4,
            )
        else:
            axes.scatter(x, y, s=60)
        axes.annotate(strategy, (x, y), textcoords="offset points", xytext=(6, 4))
    axes.set_xlabel(
        "steps moved (sum over events" + (", mean of replications, 95 % CI)" if moved else ")")
    )
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
    summaries = replication_summaries(rows)
    text = f"# {title}\n\n" + markdown(summary) + "\n"
    if len(summaries) > 1:
        text += "\n" + replication_markdown(summaries) + "\n"
    with Batch() as batch:
        write_rows(rows, csv_file, batch)
        write_text(summary_file, text, batch)
        plot_service_vs_stability(summary, service_file, batch, summaries)
        plot_cumulative_tardiness(rows, tardiness_file, batch)
    return summary
