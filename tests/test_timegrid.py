from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.domain.timegrid import (
    TimeGrid,
    format_duration,
    parse_clock,
    parse_duration,
    parse_end,
    parse_start,
)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("90m", 90), ("1.5h", 90), ("1h30m", 90), ("2d", 2880), ("1w", 10080), ("30s", 0.5)],
)
def test_durations_with_units(text, minutes):
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("bad", ["90", 90, "ninety minutes", "1h 30x", ""])
def test_durations_without_unit_are_refused_with_examples(bad):
    with pytest.raises(ValueError, match="e.g. '45s', '90m'"):
        parse_duration(bad)


def test_bare_date_starts_at_midnight_and_ends_at_end_of_day():
    assert parse_start("2026-12-01") == datetime(2026, 12, 1)
    assert parse_end("2026-12-01") == datetime(2026, 12, 2)
    assert parse_end(date(2026, 12, 1)) == datetime(2026, 12, 2)
    assert parse_end("2026-12-01T14:00") == datetime(2026, 12, 1, 14)


def test_time_zone_offsets_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        parse_start("2026-12-01T14:00+02:00")


def test_yaml_sexagesimal_clock_reads_as_time_of_day():
    assert parse_clock(840) == time(14, 0)  # YAML 1.1 reads unquoted 14:00 as 840
    assert parse_clock("06:00") == time(6, 0)
    with pytest.raises(ValueError, match="HH:MM"):
        parse_clock("6 o'clock")


def test_grid_rounds_conservatively():
    grid = TimeGrid(datetime(2026, 11, 23), timedelta(minutes=5))
    moment = datetime(2026, 11, 23, 0, 7)
    assert grid.floor(moment) == 1 and grid.ceil(moment) == 2
    assert grid.duration_ticks(301) == 2 and grid.duration_ticks(300) == 1
    assert grid.ticks_per_day == 288


@given(st.integers(min_value=-10_000, max_value=10_000))
def test_ticks_round_trip(tick):
    grid = TimeGrid(datetime(2026, 11, 23, 6), timedelta(minutes=15))
    moment = grid.to_datetime(tick)
    assert grid.floor(moment) == tick == grid.ceil(moment)


def test_format_duration():
    assert format_duration(timedelta(days=2, hours=3, minutes=15)) == "2d 3h 15m"
    assert format_duration(timedelta(0)) == "0m"
