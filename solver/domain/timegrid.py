"""Datetimes and durations in files <-> integer ticks from the plan start.

Files give ISO datetimes (``2026-11-23T06:00``), dates (``2026-11-23``) and durations with a
unit (``30s``, ``90m``, ``1.5h``, ``2d``, ``1w``, or compounds such as ``1h30m``). Inside the
engine every time is an integer tick (``resolution`` long, 1 minute by default) counted from
the plan start.

A bare date means the start of that day where a time *begins* something (release, shift,
closure start) and the end of that day where it *ends* something (due date, closure end): an
order "due 2026-12-01" may be finished any time on the 1st.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*")
_DURATION_HINT = "a duration with a unit, e.g. '45s', '90m', '1.5h', '2d', '1w' or '1h30m'"

# Input limits (README, "Input rules"). Every duration in a file is at most ten years: the
# horizon is at most that long, so a longer step, lag or lead time could never be planned,
# and timedelta and datetime arithmetic stay far from their limits (999999999 days, year 9999).
MAX_DURATION_DAYS = 3650
MAX_DURATION_SECONDS = MAX_DURATION_DAYS * 86400
# Dates are read between these years: a typo such as 20226 or 9999 is caught at once, and
# a date plus a horizon or a day never leaves datetime's range.
MIN_YEAR, MAX_YEAR = 1900, 2999


def parse_duration(value: object) -> timedelta:
    """Parse a duration such as ``"90m"`` or ``"1h30m"``.

    Parameters
    ----------
    value : str or timedelta
        The text from a file. Bare numbers are refused: a unit must be given.

    Returns
    -------
    timedelta

    Raises
    ------
    ValueError
        With a message saying what would be valid.
    """
    if isinstance(value, timedelta):
        return value
    if value is None:
        raise ValueError(f"no value; give {_DURATION_HINT}")
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f"{value!r} has no unit; give {_DURATION_HINT}")
    text = value.strip().lower()
    pos, seconds = 0, 0.0
    while pos < len(text):
        match = _PART.match(text, pos)
        if not match:
            raise ValueError(f"cannot read duration {value!r}; give {_DURATION_HINT}")
        seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos == 0:
        raise ValueError(f"cannot read duration {value!r}; give {_DURATION_HINT}")
    if seconds > MAX_DURATION_SECONDS:
        raise ValueError(
            f"duration {value!r} is longer than {MAX_DURATION_DAYS}d (ten years), the longest "
            "accepted; check the number and the unit"
        )
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """Format a timedelta compactly, e.g. ``2d 3h 15m`` (seconds are dropped)."""
    minutes = int(round(delta.total_seconds() / 60))
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    if hours:
        parts.append(f"{hours}h")
    if mins or not parts:
        parts.append(f"{mins}m")
    return sign + " ".join(parts)


def format_moment(moment: datetime, start: bool = False) -> str:
    """``Tue 01 Dec 14:00``; midnight shows as 24:00 of the day before, as a due date means it,
    unless ``start`` (a moment something begins, such as ``now``)."""
    if moment.hour == 0 and moment.minute == 0 and not start:
        return f"{moment - timedelta(days=1):%a %d %b} 24:00"
    return f"{moment:%a %d %b %H:%M}"


def format_when(moment: datetime) -> str:
    """``2026-11-30 14:00``: a moment with its year, for messages about dates in files."""
    return f"{moment:%Y-%m-%d %H:%M}"


def _check_year(value: object, day: date) -> None:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(
            f"date {value!s} is out of range; give a year from {MIN_YEAR} to {MAX_YEAR} "
            "(check the year)"
        )


def parse_day(value: object) -> date:
    """Parse a calendar day such as ``2026-12-25`` (a holiday), within the accepted years."""
    if isinstance(value, datetime):
        raise ValueError(f"{value!r} has a time of day; give a date such as '2026-12-25'")
    if isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"cannot read date {value!r}; give an ISO date such as '2026-12-25'"
            ) from None
    else:
        raise ValueError(f"{value!r} is not a date; give an ISO date such as '2026-12-25'")
    _check_year(value, day)
    return day


def _parse_datetime(value: object, end_of_day: bool) -> datetime:
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        _check_year(value, value)
        result = datetime.combine(value, time())
        return result + timedelta(days=1) if end_of_day else result
    elif isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                result = date.fromisoformat(text)
            else:
                result = datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError:
            raise ValueError(
                f"cannot read date {value!r}; give an ISO date '2026-11-23' "
                "or datetime '2026-11-23T06:00'"
            ) from None
        if not isinstance(result, datetime):
            return _parse_datetime(result, end_of_day)
    else:
        raise ValueError(
            f"{value!r} is not a date; give an ISO date '2026-11-23' or datetime '2026-11-23T06:00'"
        )
    if result.tzinfo is not None:
        raise ValueError(
            f"{value!r} has a time zone offset; give plant-local time without an offset"
        )
    _check_year(value, result.date())
    return result


def parse_start(value: object) -> datetime:
    """Parse a datetime that begins something; a bare date means 00:00 of that day."""
    return _parse_datetime(value, end_of_day=False)


def parse_end(value: object) -> datetime:
    """Parse a datetime that ends something; a bare date means the end of that day."""
    return _parse_datetime(value, end_of_day=True)


def parse_clock(value: object) -> time:
    """Parse a time of day ``"06:00"``; ``"24:00"`` means midnight at the end of the day."""
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 06:00 as the sexagesimal number 360.
        value = f"{value // 60:02d}:{value % 60:02d}"
    text = str(value).strip()
    if text == "24:00":
        return time.max
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"cannot read time of day {value!r}; give 'HH:MM', e.g. '06:00'") from None


@dataclass(frozen=True)
class TimeGrid:
    """Integer ticks of ``resolution`` from ``start``.

    Conversions round conservatively: a time that opens a window rounds up, one that closes a
    window (or a due date) rounds down, so no plan on the grid breaks a rule stated in the file.
    """

    start: datetime
    resolution: timedelta = timedelta(minutes=1)

    @property
    def seconds_per_tick(self) -> float:
        return self.resolution.total_seconds()

    @property
    def ticks_per_day(self) -> int:
        return int(round(86400 / self.seconds_per_tick))

    def _ticks(self, moment: datetime) -> float:
        return (moment - self.start).total_seconds() / self.seconds_per_tick

    def floor(self, moment: datetime) -> int:
        """Tick at or before ``moment``."""
        return math.floor(self._ticks(moment) + 1e-9)

    def ceil(self, moment: datetime) -> int:
        """Tick at or after ``moment``."""
        return math.ceil(self._ticks(moment) - 1e-9)

    def duration_ticks(self, seconds: float) -> int:
        """Ticks needed to cover ``seconds`` of work (rounded up)."""
        return max(0, math.ceil(seconds / self.seconds_per_tick - 1e-9))

    def to_datetime(self, tick: int) -> datetime:
        """The datetime of a tick."""
        return self.start + tick * self.resolution

    def to_timedelta(self, ticks: int) -> timedelta:
        """The span of a number of ticks."""
        return ticks * self.resolution
