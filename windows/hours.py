"""Weekly opening hours: the compact text of the spreadsheet cell and the summaries people read.

The spreadsheet format (one cell per window), e.g. ``1-5 09:00-12:00,13:30-17:00; 6 09:00-12:00``:

- groups are separated by ``;``; a group is DAYS, a space, then PERIODS;
- DAYS are ISO weekday numbers, 1 = Monday … 7 = Sunday: one day ``6``, a range ``1-5``, or a
  comma list of both ``1-3,5``; a day may appear in one group only;
- PERIODS are ``HH:MM-HH:MM`` separated by ``,``; each closes after it opens and the periods of a
  day do not overlap (they may touch);
- an empty cell means the window has no opening hours (closed every day);
- full-width punctuation typed in a Chinese spreadsheet (；，：and the dashes – — ～) is accepted.

``format_hours`` writes the canonical form (runs of consecutive days with the same periods, in
weekday order, ``"; "`` between groups), so ``format_hours(parse_hours(text)) == text`` for
canonical text and ``parse_hours(format_hours(periods)) == sorted(periods)`` always.

Inside the application weekdays are numbered 0 = Monday … 6 = Sunday, as in ``OpeningPeriod``.
"""

import datetime as dt
import re
from collections.abc import Iterable
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .constants import WEEKDAYS


class Period(NamedTuple):
    weekday: int  # 0 = Monday
    start: dt.time
    end: dt.time


class HoursFormatError(ValueError):
    """The opening-hours text cannot be read; the message says why, for the person importing."""


_FULL_WIDTH = str.maketrans({"；": ";", "，": ",", "：": ":", "–": "-", "—": "-", "～": "-"})
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_DAYS = re.compile(r"^([1-7])(?:-([1-7]))?$")
# Days, blanks, then the first period's HH: (the day list itself never holds a colon).
_GROUP = re.compile(r"^(?P<days>[^:]*?)\s+(?P<spans>\d{1,2}:.*)$")


def as_periods(rows: Iterable) -> list[Period]:
    """Periods from model rows (anything with weekday, start and end), sorted."""
    return sorted(Period(r.weekday, r.start, r.end) for r in rows)


# --- the spreadsheet cell ------------------------------------------------------------------


def parse_hours(text) -> list[Period]:
    """Read the cell; raise HoursFormatError with a readable message when it is wrong."""
    text = ("" if text is None else str(text)).translate(_FULL_WIDTH).strip()
    periods, seen_days = [], set()
    for group in filter(None, (g.strip() for g in text.split(";"))):
        match = _GROUP.match(group)
        if not match:
            raise HoursFormatError(
                _('"%(group)s" should be days then periods, e.g. 1-5 09:00-12:00,13:30-17:00.')
                % {"group": group}
            )
        days = _parse_days(match["days"])
        repeated = seen_days & set(days)
        if repeated:
            raise HoursFormatError(
                _("Day %(day)s appears in more than one group.") % {"day": min(repeated) + 1}
            )
        seen_days.update(days)
        spans = _parse_spans(match["spans"].strip(), group)
        periods.extend(Period(day, start, end) for day in days for start, end in spans)
    return sorted(periods)


def format_hours(periods: Iterable) -> str:
    """The canonical cell text of some periods (tuples or model rows)."""
    groups = []
    for first, last, spans in _runs(_by_day(periods)):
        days = str(first + 1) if first == last else f"{first + 1}-{last + 1}"
        groups.append(days + " " + ",".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in spans))
    return "; ".join(groups)


def _parse_days(text) -> list[int]:
    days = []
    for part in text.split(","):
        match = _DAYS.match(part.replace(" ", ""))
        if not match:
            raise HoursFormatError(
                _('"%(text)s" is not a day list; use 1 (Monday) to 7 (Sunday), e.g. 1-5 or 6,7.')
                % {"text": text}
            )
        first = int(match[1])
        last = int(match[2] or first)
        if last < first:
            raise HoursFormatError(_('"%(text)s": a day range must go forward.') % {"text": part})
        days.extend(range(first - 1, last))
    if len(days) != len(set(days)):
        raise HoursFormatError(_('"%(text)s" names a day twice.') % {"text": text})
    return days


def _parse_spans(text, group) -> list[tuple[dt.time, dt.time]]:
    spans = sorted(_parse_span(part.strip()) for part in text.split(","))
    for (_s1, end1), (start2, _e2) in zip(spans, spans[1:], strict=False):
        if start2 < end1:
            raise HoursFormatError(_('"%(group)s" has overlapping periods.') % {"group": group})
    return spans


def _parse_span(text) -> tuple[dt.time, dt.time]:
    start_text, sep, end_text = text.partition("-")
    start, end = _parse_time(start_text.strip()), _parse_time(end_text.strip())
    if not sep or start is None or end is None:
        raise HoursFormatError(
            _('"%(text)s" is not a period; write it as HH:MM-HH:MM, e.g. 09:00-12:00.')
            % {"text": text}
        )
    if end <= start:
        raise HoursFormatError(_('"%(text)s" closes before it opens.') % {"text": text})
    return start, end


def _parse_time(text):
    match = _TIME.match(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return dt.time(int(match[1]), int(match[2]))


def _by_day(periods) -> dict[int, tuple]:
    days = {}
    for p in sorted((r.weekday, r.start, r.end) for r in map(_period, periods)):
        days.setdefault(p[0], []).append((p[1], p[2]))
    return {day: tuple(spans) for day, spans in days.items()}


def _period(row):
    return row if isinstance(row, Period) else Period(row.weekday, row.start, row.end)


def _runs(days: dict[int, tuple]):
    """(first day, last day, spans) for runs of consecutive days with the same spans."""
    runs = []
    for day in sorted(days):
        spans = days[day]
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == spans:
            runs[-1][1] = day
        else:
            runs.append([day, day, spans])
    return [tuple(run) for run in runs]


# --- what people read ----------------------------------------------------------------------


def _short_day(day):
    names = (
        pgettext("weekday abbreviation", "Mon"),
        pgettext("weekday abbreviation", "Tue"),
        pgettext("weekday abbreviation", "Wed"),
        pgettext("weekday abbreviation", "Thu"),
        pgettext("weekday abbreviation", "Fri"),
        pgettext("weekday abbreviation", "Sat"),
        pgettext("weekday abbreviation", "Sun"),
    )
    return names[day]


def _spans_text(spans):
    return ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in spans)


def summarize(periods: Iterable) -> str:
    """One line, e.g. 周一至周五 09:00–12:00, 13:30–17:00 (Mon–Fri … in English)."""
    parts = []
    for first, last, spans in _runs(_by_day(periods)):
        if first == last:
            days = _short_day(first)
        else:
            days = _("%(first)s–%(last)s") % {
                "first": _short_day(first),
                "last": _short_day(last),
            }
        parts.append(f"{days} {_spans_text(spans)}")
    if not parts:
        return _("No opening hours published")
    return pgettext("separator between groups of days", "; ").join(parts)


def weekly_table(periods: Iterable) -> list[tuple[str, str]]:
    """(weekday name, its periods or "Closed") for Monday to Sunday."""
    days = _by_day(periods)
    return [
        (str(label), _spans_text(days[day]) if day in days else pgettext("opening hours", "Closed"))
        for day, label in WEEKDAYS
    ]
