"""Replications of a bench suite: each strategy's mean with a 95 % confidence interval, and a
paired comparison with the best strategy over the same event streams.

Every strategy replays the same R streams (``replay.suite``), so the fair test of "is this
strategy worse than the best?" is paired: the per-stream differences, their mean and a
Student-t interval. A strategy whose interval of differences holds 0 is indistinguishable
from the best on that metric with these streams; one that never differs is the best's equal.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from scipy import stats

LEVEL = 0.95


@dataclass(frozen=True)
class Estimate:
    """A mean over replications with its confidence interval (equal ends with one value)."""

    mean: float
    low: float
    high: float
    values: tuple[float, ...]


@dataclass(frozen=True)
class Paired:
    """One strategy against the best on one metric, over the same streams.

    ``difference`` is this strategy's value less the best's (its interval in ``low``, ``high``);
    ``wins``: streams on which this strategy was best (ties count for each);
    ``indistinguishable``: None with a single stream (nothing to tell).
    """

    best: str
    difference: float
    low: float
    high: float
    wins: int
    streams: int
    indistinguishable: bool | None


def interval(values: list[float], level: float = LEVEL) -> Estimate:
    """Mean and Student-t confidence interval of independent replications."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return Estimate(mean, mean, mean, tuple(values))
    half = float(stats.t.ppf((1 + level) / 2, len(values) - 1)) * statistics.stdev(values)
    half /= math.sqrt(len(values))
    return Estimate(mean, mean - half, mean + half, tuple(values))


def by_replication(
    summaries: list[dict[str, dict[str, float]]], metric: str
) -> dict[str, list[float]]:
    """Strategy -> the metric's value in each replication's summary, in replication order."""
    return {s: [summary[s][metric] for summary in summaries] for s in summaries[0]}


def estimates(values: dict[str, list[float]]) -> dict[str, Estimate]:
    """Each strategy's mean and interval."""
    return {strategy: interval(series) for strategy, series in values.items()}


def against_best(values: dict[str, list[float]], lower_is_better: bool) -> dict[str, Paired]:
    """Each strategy against the best by mean, paired stream by stream."""
    pick = min if lower_is_better else max
    means = {s: statistics.fmean(v) for s, v in values.items()}
    best = min(means, key=lambda s: (means[s] if lower_is_better else -means[s], s))
    streams = len(values[best])
    winners = [pick(v[r] for v in values.values()) for r in range(streams)]
    compared = {}
    for strategy, series in values.items():
        diffs = [mine - theirs for mine, theirs in zip(series, values[best], strict=True)]
        spread = interval(diffs)
        if strategy == best or all(d == 0 for d in diffs):
            same: bool | None = True
        elif streams < 2:
            same = None
        else:
            same = spread.low <= 0 <= spread.high
        wins = sum(1 for r in range(streams) if series[r] == winners[r])
        compared[strategy] = Paired(best, spread.mean, spread.low, spread.high, wins, streams, same)
    return compared
