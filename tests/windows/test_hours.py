import datetime as dt

import pytest
from django.utils import translation

from windows.hours import HoursFormatError, Period, format_hours, parse_hours, summarize

T = dt.time
WORKDAY = [(T(9), T(12)), (T(13, 30), T(17))]


def periods(days, spans):
    return sorted(Period(day, start, end) for day in days for start, end in spans)


@pytest.mark.parametrize(
    "text",
    [
        "1-5 09:00-12:00,13:30-17:00",
        "1-5 09:00-12:00,13:30-17:00; 6 09:00-12:00",
        "1 08:00-09:00; 3 08:00-09:00; 7 10:00-11:30",
        "1-2 09:00-12:00; 3 09:00-11:00; 4-7 00:00-23:59",
        "6 09:00-12:00,12:00-13:00",
        "",
    ],
)
def test_canonical_text_round_trips_exactly(text):
    assert format_hours(parse_hours(text)) == text


def test_parse_reads_days_and_periods():
    parsed = parse_hours("1-5 09:00-12:00,13:30-17:00; 6 09:00-12:00")
    assert parsed == periods(range(5), WORKDAY) + [Period(5, T(9), T(12))]


@pytest.mark.parametrize(
    "given",
    [
        periods(range(5), WORKDAY),
        periods([0, 2, 4], [(T(8, 15), T(9, 45))]) + periods([6], [(T(10), T(11))]),
        periods(range(7), [(T(0), T(23, 59))]),
        [],
    ],
)
def test_periods_round_trip_through_the_text(given):
    assert parse_hours(format_hours(given)) == given


def test_loose_input_is_read_and_written_back_canonical():
    text = " 1, 3 9:00 - 12:00 ，13:30–17:00；7 08:00-09:00 "
    assert format_hours(parse_hours(text)) == (
        "1 09:00-12:00,13:30-17:00; 3 09:00-12:00,13:30-17:00; 7 08:00-09:00"
    )


def test_a_cell_read_from_a_spreadsheet_may_be_none():
    assert parse_hours(None) == []


@pytest.mark.parametrize(
    "text",
    [
        "Monday 09:00-12:00",
        "1-5",
        "09:00-12:00",
        "8 09:00-12:00",
        "0 09:00-12:00",
        "5-1 09:00-12:00",
        "1,1 09:00-12:00",
        "1 12:00-09:00",
        "1 09:00-09:00",
        "1 09:00-12:00,11:00-13:00",
        "1 24:00-25:00",
        "1 09:60-10:00",
        "1 0900-1000",
        "1 09:00",
        "1 09:00-12:00 13:00-14:00",
        "1-5 09:00-12:00; 5 13:00-14:00",
    ],
)
def test_bad_text_is_refused_with_a_message(text):
    with pytest.raises(HoursFormatError) as error:
        parse_hours(text)
    assert str(error.value)


def test_errors_are_in_chinese_by_default():
    with translation.override("zh-hans"), pytest.raises(HoursFormatError) as error:
        parse_hours("1 12:00-09:00")
    assert "12:00-09:00" in str(error.value)
    assert "早于" in str(error.value) or "晚于" in str(error.value)


def test_summary_groups_consecutive_days_in_chinese_and_english():
    given = periods(range(5), WORKDAY) + periods([5], [(T(9), T(12))])
    with translation.override("zh-hans"):
        assert summarize(given) == "周一至周五 09:00–12:00, 13:30–17:00；周六 09:00–12:00"
    with translation.override("en"):
        assert summarize(given) == "Mon–Fri 09:00–12:00, 13:30–17:00; Sat 09:00–12:00"


def test_summary_without_hours_says_so():
    with translation.override("zh-hans"):
        assert summarize([]) == "暂未公布办公时间"
