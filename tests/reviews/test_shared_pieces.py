"""The pieces reviews shares with appointments: one base of refusals, one "today", one maker of
references."""

import datetime as dt
import re

import time_machine
from django.utils import timezone

from appointments.exceptions import AppointmentError, SlotFull, TransitionNotAllowed
from appointments.references import ALPHABET, PREFIXES, make_reference
from ipservice import dates
from ipservice.exceptions import ServiceError
from reviews.exceptions import AppealRefused, FeedbackError, RatingRefused, StepRefused
from reviews.services.complaints import COMPLAINT_PREFIX


def test_refusals_of_both_apps_share_one_base_and_keep_their_codes():
    for refusal in (AppointmentError, SlotFull, TransitionNotAllowed, FeedbackError):
        assert issubclass(refusal, ServiceError)
    for refusal in (RatingRefused, StepRefused, AppealRefused):
        assert issubclass(refusal, FeedbackError)
    assert (SlotFull().code, TransitionNotAllowed().code) == ("slot_full", "wrong_state")
    assert (FeedbackError().code, StepRefused().code) == ("refused", "wrong_step")
    refusal = RatingRefused("这个评价链接无效。", code="bad_token")
    assert (refusal.code, refusal.message, str(refusal)) == (
        "bad_token",
        "这个评价链接无效。",
        "这个评价链接无效。",
    )


def test_today_is_the_date_in_shanghai_whatever_zone_is_active():
    # 16:30 UTC on 28 September is 00:30 on 29 September in Shanghai.
    with time_machine.travel(dt.datetime(2026, 9, 28, 16, 30, tzinfo=dt.UTC), tick=False):
        assert dates.today() == dt.date(2026, 9, 29)
        with timezone.override("UTC"):
            assert dates.today() == dt.date(2026, 9, 29)
        assert dates.local_day(timezone.now()) == dt.date(2026, 9, 29)


def test_one_maker_of_references_for_cases_and_complaints():
    day = dt.date(2026, 9, 21)
    for prefix in (*PREFIXES.values(), COMPLAINT_PREFIX):
        assert re.fullmatch(rf"{prefix}260921[{ALPHABET}]{{4}}", make_reference(prefix, day))
    # A complaint reference is never mistaken for a case reference.
    assert COMPLAINT_PREFIX not in PREFIXES.values()
    assert not any(prefix.startswith(COMPLAINT_PREFIX) for prefix in PREFIXES.values())
