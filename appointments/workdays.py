"""Working days on the official Chinese schedule (调休 included). Implemented by the calendar work."""

import datetime as dt


def is_working_day(day: dt.date) -> bool:
    raise NotImplementedError


def calendar_source(year: int) -> str:
    """"official" (chinesecalendar), "bureau" (CalendarDay rows) or "fallback" (Mon–Fri)."""
    raise NotImplementedError


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (counting starts the next working day)."""
    raise NotImplementedError


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative when end < start)."""
    raise NotImplementedError


def next_working_days(start: dt.date, count: int) -> list[dt.date]:
    """The first `count` working days on or after `start`."""
    raise NotImplementedError
