"""Resolve time expressions as news writes them, against the publication date.

News time is mostly relative ("on Tuesday", "earlier this year", "last
month"). A value is returned only when the expression and the anchor pin it
down; anything vaguer stays ``None`` rather than a guess. Results are ISO 8601:
a date (``2024-03-12``) or an interval (``2024-01-01/2024-03-12``).

Hand-written because it measured better than dateparser with RELATIVE_BASE
(``bench/timex.py``): dateparser returns one date where news means a span
("last month", "in 2015"), misses "earlier this year", and is several hundred
times slower.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

__all__ = ["resolve_time"]

_MONTHS = (
    {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
    | {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
    | {"sept": 9}
)
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MDY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b", re.I)
_DMY = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\.?(?:,?\s+(\d{{4}}))?\b", re.I
)
_MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I)
_YEAR = re.compile(r"\b(?:in\s+)?((?:19|20)\d{2})\b")
_AGO = re.compile(
    r"\b(\d+|a|an|one|two|three|four|five|six|seven)\s+(day|week|month|year)s?\s+ago\b", re.I
)
_RECURRING = re.compile(r"\b(?:every|each)\b")
_WORD_NUM = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
}


def _date(d: dt.date) -> str:
    return d.isoformat()


def _interval(a: dt.date, b: dt.date) -> str:
    return f"{a.isoformat()}/{b.isoformat()}"


def _month_interval(year: int, month: int) -> str:
    return _interval(
        dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    )


def _shift_month(d: dt.date, months: int) -> tuple[int, int]:
    index = d.year * 12 + d.month - 1 + months
    return index // 12, index % 12 + 1


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def resolve_time(expression: str, anchor: dt.date | None) -> str | None:
    """The ISO date or interval ``expression`` denotes, or ``None``.

    ``anchor`` is the publication date; relative expressions need it.
    """
    text = expression.strip().lower()
    if not text:
        return None
    absolute = _resolve_absolute(text, anchor)
    if absolute is not None:
        return absolute
    if anchor is None:
        return None
    return _resolve_relative(text, anchor)


def _resolve_absolute(text: str, anchor: dt.date | None) -> str | None:
    if m := _ISO.search(text):
        d = _safe_date(int(m[1]), int(m[2]), int(m[3]))
        return _date(d) if d else None
    for pattern, month_group, day_group in ((_MDY, 1, 2), (_DMY, 2, 1)):
        if m := pattern.search(text):
            year = int(m[3]) if m[3] else (anchor.year if anchor else None)
            if year is None:
                return None
            d = _safe_date(year, _MONTHS[m[month_group].lower()], int(m[day_group]))
            return _date(d) if d else None
    if m := _MONTH_YEAR.search(text):
        return _month_interval(int(m[2]), _MONTHS[m[1].lower()])
    if (m := _YEAR.search(text)) and not re.search(r"\d{3,}\s*(people|km|%)", text):
        year = int(m[1])
        return _interval(dt.date(year, 1, 1), dt.date(year, 12, 31))
    return None


def _resolve_relative(text: str, anchor: dt.date) -> str | None:
    year = anchor.year
    if _RECURRING.search(text):
        return None  # "every Sunday" is no one date
    if "today" in text or "tonight" in text or "this morning" in text:
        return _date(anchor)
    if "day before yesterday" in text:
        return _date(anchor - dt.timedelta(days=2))
    if "day after tomorrow" in text:
        return _date(anchor + dt.timedelta(days=2))
    if "yesterday" in text:
        return _date(anchor - dt.timedelta(days=1))
    if "tomorrow" in text:
        return _date(anchor + dt.timedelta(days=1))
    if m := _AGO.search(text):
        n = int(m[1]) if m[1].isdigit() else _WORD_NUM[m[1].lower()]
        unit = m[2].lower()
        if unit in ("day", "week"):
            return _date(anchor - dt.timedelta(days=n * (7 if unit == "week" else 1)))
        y, mo = _shift_month(anchor, -n * (12 if unit == "year" else 1))
        return (
            _month_interval(y, mo)
            if unit == "month"
            else _interval(dt.date(y, 1, 1), dt.date(y, 12, 31))
        )
    for name, weekday in _WEEKDAYS.items():
        if re.search(rf"\b{name}\b", text):
            back = (anchor.weekday() - weekday) % 7
            if back == 0 and re.search(r"\blast\b", text):
                back = 7  # "last Tuesday", written on a Tuesday
            if "next" in text:
                return _date(anchor + dt.timedelta(days=(weekday - anchor.weekday()) % 7 or 7))
            # News reports past events: "on Tuesday" is the last Tuesday up to today.
            return _date(anchor - dt.timedelta(days=back))
    if "earlier this year" in text:
        return _interval(dt.date(year, 1, 1), anchor)
    if "later this year" in text:
        return _interval(anchor, dt.date(year, 12, 31))
    if "earlier this month" in text:
        return _interval(anchor.replace(day=1), anchor)
    if "this year" in text:
        return _interval(dt.date(year, 1, 1), dt.date(year, 12, 31))
    if "last year" in text:
        return _interval(dt.date(year - 1, 1, 1), dt.date(year - 1, 12, 31))
    if "next year" in text:
        return _interval(dt.date(year + 1, 1, 1), dt.date(year + 1, 12, 31))
    for phrase, months in (("last month", -1), ("this month", 0), ("next month", 1)):
        if phrase in text:
            return _month_interval(*_shift_month(anchor, months))
    for phrase, weeks in (("last week", -1), ("this week", 0), ("next week", 1)):
        if phrase in text:
            monday = anchor - dt.timedelta(days=anchor.weekday()) + dt.timedelta(weeks=weeks)
            return _interval(monday, monday + dt.timedelta(days=6))
    return None
