"""Half-open integer intervals [start, end) as sorted tuples: merge, clip, subtract, and the
first tick a set of them overloads a capacity."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Interval = tuple[int, int]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching intervals; empty ones are dropped."""
    result: list[list[int]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if result and start <= result[-1][1]:
            result[-1][1] = max(result[-1][1], end)
        else:
            result.append([start, end])
    return [(s, e) for s, e in result]


def clip(intervals: Iterable[Interval], lo: int, hi: int) -> list[Interval]:
    """Cut intervals to [lo, hi)."""
    return [(max(s, lo), min(e, hi)) for s, e in intervals if min(e, hi) > max(s, lo)]


def subtract(intervals: Iterable[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """Remove every hole from the intervals, in one sweep over both sorted lists."""
    result: list[Interval] = []
    cuts = merge(holes)
    k = 0
    for start, end in merge(intervals):
        while k < len(cuts) and cuts[k][1] <= start:
            k += 1
        j, cursor = k, start
        while j < len(cuts) and cuts[j][0] < end:
            if cuts[j][0] > cursor:
                result.append((cursor, cuts[j][0]))
            cursor = max(cursor, cuts[j][1])
            j += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def total(intervals: Iterable[Interval]) -> int:
    """Total length of (non-overlapping) intervals."""
    return sum(e - s for s, e in intervals)


def containing(intervals: Sequence[Interval], start: int, end: int) -> bool:
    """True when [start, end) lies inside one interval of the list."""
    return any(s <= start and end <= e for s, e in intervals)


def first_overload(spans: Iterable[tuple[int, int, int]], capacity: int) -> int | None:
    """The first tick at which (start, end, units) spans together take more than ``capacity``
    (None if never). Ends come before starts at one tick: back-to-back spans do not overlap."""
    events = []
    for start, end, units in spans:
        events += [(start, units), (end, -units)]
    load = 0
    for tick, delta in sorted(events):
        load += delta
        if load > capacity:
            return tick
    return None
