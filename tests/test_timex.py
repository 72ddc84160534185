"""Resolving news time expressions against the publication date (factsift._pipeline.timex)."""

from __future__ import annotations

import datetime as dt

import pytest

from factsift._pipeline.timex import resolve_time

THURSDAY = dt.date(2023, 3, 30)


def test_anchor_is_a_thursday() -> None:
    assert THURSDAY.weekday() == 3


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2024-03-12", "2024-03-12"),
        ("on 2024-03-12 at noon", "2024-03-12"),
        ("March 14, 2025", "2025-03-14"),
        ("march 14 2025", "2025-03-14"),
        ("Sept. 5, 2021", "2021-09-05"),
        ("14 March 2025", "2025-03-14"),
        ("the 14th of March, 2025", "2025-03-14"),
        ("March 2025", "2025-03-01/2025-03-31"),
        ("February 2024", "2024-02-01/2024-02-29"),
        ("Feb. 2023", "2023-02-01/2023-02-28"),
        ("2014", "2014-01-01/2014-12-31"),
        ("in 1999", "1999-01-01/1999-12-31"),
    ],
)
def test_absolute_expressions(expression: str, expected: str) -> None:
    assert resolve_time(expression, THURSDAY) == expected
    assert resolve_time(expression, None) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("14 March", "2023-03-14"),
        ("March 14", "2023-03-14"),
        ("on March 3rd", "2023-03-03"),
        ("earlier this year", "2023-01-01/2023-03-30"),
        ("later this year", "2023-03-30/2023-12-31"),
        ("earlier this month", "2023-03-01/2023-03-30"),
        ("this year", "2023-01-01/2023-12-31"),
        ("last year", "2022-01-01/2022-12-31"),
        ("next year", "2024-01-01/2024-12-31"),
        ("last month", "2023-02-01/2023-02-28"),
        ("this month", "2023-03-01/2023-03-31"),
        ("next month", "2023-04-01/2023-04-30"),
        ("last week", "2023-03-20/2023-03-26"),
        ("this week", "2023-03-27/2023-04-02"),
        ("next week", "2023-04-03/2023-04-09"),
        ("on Tuesday", "2023-03-28"),
        ("Monday", "2023-03-27"),
        ("on Thursday", "2023-03-30"),
        ("on Friday", "2023-03-24"),
        ("next Tuesday", "2023-04-04"),
        ("next Thursday", "2023-04-06"),
        ("today", "2023-03-30"),
        ("tonight", "2023-03-30"),
        ("this morning", "2023-03-30"),
        ("yesterday", "2023-03-29"),
        ("tomorrow", "2023-03-31"),
        ("three days ago", "2023-03-27"),
        ("3 days ago", "2023-03-27"),
        ("a week ago", "2023-03-23"),
        ("two weeks ago", "2023-03-16"),
        ("a month ago", "2023-02-01/2023-02-28"),
        ("six months ago", "2022-09-01/2022-09-30"),
        ("two years ago", "2021-01-01/2021-12-31"),
    ],
)
def test_relative_expressions(expression: str, expected: str) -> None:
    assert resolve_time(expression, THURSDAY) == expected


@pytest.mark.parametrize(
    ("expression", "anchor", "expected"),
    [
        ("last month", dt.date(2024, 1, 15), "2023-12-01/2023-12-31"),
        ("next month", dt.date(2024, 12, 1), "2025-01-01/2025-01-31"),
        ("last month", dt.date(2024, 3, 31), "2024-02-01/2024-02-29"),
        ("yesterday", dt.date(2024, 3, 1), "2024-02-29"),
        ("tomorrow", dt.date(2023, 12, 31), "2024-01-01"),
        ("earlier this year", dt.date(2024, 1, 1), "2024-01-01/2024-01-01"),
    ],
)
def test_boundaries(expression: str, anchor: dt.date, expected: str) -> None:
    assert resolve_time(expression, anchor) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "recently",
        "over the years",
        "in recent years",
        "for decades",
        "soon",
        "",
        "   ",
        "May",
        "mid-March",
        "the 1990s",
        "at least 2000 people",
        "1500 km away",
        "February 30, 2024",
        "2023-02-30",
    ],
)
def test_vague_or_invalid_is_none(expression: str) -> None:
    assert resolve_time(expression, THURSDAY) is None


@pytest.mark.parametrize(
    "expression",
    [
        "earlier this year",
        "last month",
        "on Tuesday",
        "yesterday",
        "three days ago",
        "next year",
        "14 March",
        "today",
    ],
)
def test_relative_without_anchor_is_none(expression: str) -> None:
    assert resolve_time(expression, None) is None


def test_case_and_whitespace_do_not_matter() -> None:
    assert resolve_time("  EARLIER THIS YEAR ", THURSDAY) == "2023-01-01/2023-03-30"
    assert resolve_time("MARCH 14, 2025", None) == "2025-03-14"


def test_day_before_yesterday() -> None:
    assert resolve_time("the day before yesterday", THURSDAY) == "2023-03-28"


def test_last_weekday_on_the_same_weekday() -> None:
    tuesday = dt.date(2023, 3, 28)
    assert resolve_time("last Tuesday", tuesday) == "2023-03-21"


@pytest.mark.parametrize("expression", ["every Sunday", "each week", "every year"])
def test_recurring_times_are_no_one_date(expression: str) -> None:
    assert resolve_time(expression, THURSDAY) is None
