"""Each task's effect, run in-process (eager): reminders the working day before (调休 and
holidays included), the review invitation after completion, the staff deadline digest, the
stale-notice sweep. Exactly-once under a real worker is in test_tasks_worker.py."""

import datetime as dt
import logging

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from appointments import cases, notices, services, tasks
from appointments.constants import NoticeChannel, NoticeStatus, Status
from appointments.models import Notice, SmsOutbox
from ipservice import dates
from tests.appointments.factories import CaseFactory
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory, StaffMembershipFactory, UserFactory
from windows.constants import Role

pytestmark = pytest.mark.django_db

CST = dt.timezone(dt.timedelta(hours=8))


def at(*args):
    return dt.datetime(*args, tzinfo=CST)


@pytest.fixture
def window():
    window = ServicePointFactory(name="徐汇区知识产权窗口", address="上海市徐汇区漕溪北路1号")
    window.items.add(ServiceItemFactory(code="PAT-01"))
    return window


def booking(window, start, **extra):
    return CaseFactory(booking=True, window=window, item=window.items.get(), start=start, **extra)


def run_reminders(capture, today=None):
    with capture(execute=True):
        return tasks.send_reminders.delay(today).get()


def reminded():
    """Phone -> texts of the SMS sent."""
    texts = {}
    for phone, body in SmsOutbox.objects.order_by("id").values_list("phone", "body"):
        texts.setdefault(phone, []).append(body)
    return texts


# Reminders ------------------------------------------------------------------------------------


def test_on_a_friday_mondays_bookings_are_reminded(window, django_capture_on_commit_callbacks):
    monday = booking(window, at(2026, 9, 14, 10, 0))
    tuesday = booking(window, at(2026, 9, 15, 10, 0))
    today_later = booking(window, at(2026, 9, 11, 15, 0))
    cancelled = booking(window, at(2026, 9, 14, 11, 0), status=Status.CANCELLED)
    walk_in = CaseFactory(window=window, start=at(2026, 9, 14, 9, 0))
    with time_machine.travel(at(2026, 9, 11, 18, 0), tick=False):  # a Friday
        assert run_reminders(django_capture_on_commit_callbacks) == 1

    texts = reminded()
    assert list(texts) == [monday.phone]
    [text] = texts[monday.phone]
    assert "9月14日 10:00" in text
    assert services.manage_url(monday) in text
    for other in (tuesday, today_later, cancelled, walk_in):
        assert other.phone not in texts
    notice = Notice.objects.get()
    assert notice.key == f"remind:{monday.reference}:202609141000:sms"
    assert (notice.template, notice.status, notice.attempts) == ("remind", NoticeStatus.SENT, 1)


def test_the_friday_before_a_sunday_workday_reminds_sundays_bookings(
    window, django_capture_on_commit_callbacks
):
    # 2026-09-20 is a Sunday worked in exchange for the National Day holiday (调休).
    sunday = booking(window, at(2026, 9, 20, 9, 30))
    monday = booking(window, at(2026, 9, 21, 9, 30))
    with time_machine.travel(at(2026, 9, 18, 18, 0), tick=False):
        assert run_reminders(django_capture_on_commit_callbacks) == 1
    assert list(reminded()) == [sunday.phone]

    # Saturday's run catches a booking made on Saturday for Sunday; nothing twice.
    late = booking(window, at(2026, 9, 20, 14, 0))
    with time_machine.travel(at(2026, 9, 19, 18, 0), tick=False):
        assert run_reminders(django_capture_on_commit_callbacks) == 1
    assert sorted(reminded()) == sorted([sunday.phone, late.phone])
    assert monday.phone not in reminded()


def test_before_a_holiday_the_first_working_day_after_it_is_reminded(
    window, django_capture_on_commit_callbacks
):
    # Wednesday 2026-09-30; 10-01..10-07 is the National Day holiday.
    after = booking(window, at(2026, 10, 8, 9, 0))
    later = booking(window, at(2026, 10, 9, 9, 0))
    with time_machine.travel(at(2026, 9, 30, 18, 0), tick=False):
        assert run_reminders(django_capture_on_commit_callbacks) == 1
    assert list(reminded()) == [after.phone]
    assert later.phone not in reminded()


def test_running_the_job_twice_sends_each_reminder_once(window, django_capture_on_commit_callbacks):
    first = booking(window, at(2026, 9, 14, 10, 0), email="li@example.com")
    second = booking(window, at(2026, 9, 14, 10, 30))
    with time_machine.travel(at(2026, 9, 11, 18, 0), tick=False):
        assert run_reminders(django_capture_on_commit_callbacks) == 2
        assert run_reminders(django_capture_on_commit_callbacks) == 0
        assert run_reminders(django_capture_on_commit_callbacks, "2026-09-11") == 0
    assert {phone: len(texts) for phone, texts in reminded().items()} == {
        first.phone: 1,
        second.phone: 1,
    }
    assert [message.to for message in mail.outbox] == [["li@example.com"]]
    assert first.reference in mail.outbox[0].subject
    assert Notice.objects.filter(status=NoticeStatus.SENT).count() == 3


def test_re_running_a_past_day_reminds_of_nothing_past(window, django_capture_on_commit_callbacks):
    booking(window, at(2026, 9, 14, 10, 0))  # never checked in, not yet marked a no-show
    with time_machine.travel(at(2026, 9, 15, 9, 0), tick=False):
        assert run_reminders(django_capture_on_commit_callbacks, "2026-09-11") == 0
    assert not SmsOutbox.objects.exists()


def test_a_run_cut_short_is_completed_by_the_next_one(window, django_capture_on_commit_callbacks):
    bookings = [booking(window, at(2026, 9, 14, 9 + i, 0)) for i in range(4)]
    with time_machine.travel(at(2026, 9, 11, 18, 0), tick=False):
        # What a run killed after two bookings had committed: their reminders exist.
        with django_capture_on_commit_callbacks(execute=True):
            for case in bookings[:2]:
                notices.booking_reminder(case)
        assert run_reminders(django_capture_on_commit_callbacks) == 2
    assert sorted(reminded()) == sorted(case.phone for case in bookings)
    assert SmsOutbox.objects.count() == 4


def test_a_booking_moved_after_its_reminder_is_reminded_of_the_new_time(
    window, django_capture_on_commit_callbacks
):
    case = booking(window, at(2026, 9, 14, 10, 0))
    with time_machine.travel(at(2026, 9, 11, 18, 0), tick=False):
        run_reminders(django_capture_on_commit_callbacks)
    case.start = at(2026, 9, 15, 16, 0)
    case.save()
    with time_machine.travel(at(2026, 9, 14, 18, 0), tick=False):
        assert run_reminders(django_capture_on_commit_callbacks) == 1
    texts = reminded()[case.phone]
    assert len(texts) == 2
    assert "9月15日 16:00" in texts[1]


def test_the_job_reads_the_bookings_in_one_query(window, django_assert_num_queries):
    for hour in (9, 10, 11):
        booking(window, at(2026, 9, 14, hour, 0))
    with time_machine.travel(at(2026, 9, 11, 18, 0), tick=False):
        # One query for the bookings with window, item and slot; one for the keys already
        # queued. (The calendar is cached per process.)
        tasks.reminder_days(dates.today())
        with django_assert_num_queries(2):
            bookings = list(tasks.bookings_to_remind(dates.today()))
            tasks._existing_keys(notices.reminder_key(c) for c in bookings)
            for case in bookings:
                (case.window.address, case.item.code, case.slot)


# Review invitation after completion ------------------------------------------------------------


def test_completing_a_case_invites_the_person_to_rate_it(
    window, django_capture_on_commit_callbacks
):
    clerk = StaffMembershipFactory(window=window).user
    case = CaseFactory(
        window=window, item=window.items.get(), status=Status.ACCEPTED, handled_by=clerk
    )
    with django_capture_on_commit_callbacks(execute=True):
        cases.complete(case, clerk)
    notice = Notice.objects.get(key=f"invite:{case.reference}")
    assert (notice.channel, notice.status) == (NoticeChannel.SMS, NoticeStatus.SENT)
    [sms] = SmsOutbox.objects.all()
    assert sms.phone == case.phone
    assert f"/rate/{case.reference}/?token={services.booking_token(case)}" in sms.body


def test_a_completion_rolled_back_invites_nobody(window):
    clerk = StaffMembershipFactory(window=window).user
    case = CaseFactory(window=window, item=window.items.get(), status=Status.ACCEPTED)
    with pytest.raises(RuntimeError), transaction.atomic():
        cases.complete(case, clerk)
        assert Notice.objects.filter(key=f"invite:{case.reference}").exists()
        raise RuntimeError("the request fails after the completion")
    assert not Notice.objects.exists()
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED


# Deadline digest to window staff ----------------------------------------------------------------


@pytest.fixture
def staffed(window):
    """The window's staff: two with an address (one a supervisor), one without."""
    return {
        "clerk": StaffMembershipFactory(
            window=window, user=UserFactory(username="clerk", email="clerk@example.com")
        ).user,
        "supervisor": StaffMembershipFactory(
            window=window,
            role=Role.SUPERVISOR,
            user=UserFactory(username="boss", email="boss@example.com"),
        ).user,
        "no_email": StaffMembershipFactory(window=window, user=UserFactory(username="nomail")).user,
    }


def running(window, due, **extra):
    fields = {"status": Status.ACCEPTED, "accepted_on": dt.date(2026, 9, 1), "name": "王小明"}
    return CaseFactory(window=window, item=window.items.get(), promised_due=due, **fields | extra)


MONDAY = at(2026, 9, 28, 8, 30)


def run_digests(capture, today=None):
    with capture(execute=True):
        return tasks.send_deadline_digests.delay(today).get()


def test_each_staff_member_gets_the_windows_cases_near_or_past_their_deadline(
    window, staffed, django_capture_on_commit_callbacks, caplog
):
    overdue = running(window, dt.date(2026, 9, 24))
    near = running(window, dt.date(2026, 9, 29))
    fine = running(window, dt.date(2026, 10, 20))
    done = running(window, dt.date(2026, 9, 24), status=Status.COMPLETED)
    other_window = ServicePointFactory()
    other_window.items.add(ServiceItemFactory())
    elsewhere = running(other_window, dt.date(2026, 9, 24))
    StaffMembershipFactory(window=elsewhere.window, user=UserFactory(email="other@example.com"))

    with caplog.at_level(logging.INFO, logger="appointments.tasks"):
        with time_machine.travel(MONDAY, tick=False):
            # The other window's clerk gets their own case; the no-email colleague nothing.
            assert run_digests(django_capture_on_commit_callbacks) == 3

    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["boss@example.com", "clerk@example.com", "other@example.com"]
    body = by_address["clerk@example.com"].body
    assert body.index(overdue.reference) < body.index(near.reference)  # earliest due first
    assert fine.reference not in body and done.reference not in body
    assert elsewhere.reference not in body
    assert "王**" in body and "王小明" not in body and overdue.phone not in body
    assert f"/staff/cases/{overdue.pk}/" in body
    assert f"user {staffed['no_email'].pk} has no email" in caplog.text
    assert Notice.objects.filter(key__startswith=f"digest:{window.pk}:20260928:").count() == 2


def test_the_digest_goes_once_a_day_and_only_on_working_days(
    window, staffed, django_capture_on_commit_callbacks
):
    running(window, dt.date(2026, 9, 24))
    with time_machine.travel(MONDAY, tick=False):
        assert run_digests(django_capture_on_commit_callbacks) == 2
        assert run_digests(django_capture_on_commit_callbacks) == 0
    with time_machine.travel(at(2026, 10, 3, 8, 30), tick=False):  # National Day holiday
        assert run_digests(django_capture_on_commit_callbacks) == 0
    with time_machine.travel(at(2026, 10, 10, 8, 30), tick=False):  # a Saturday worked (调休)
        assert run_digests(django_capture_on_commit_callbacks) == 2
    assert len(mail.outbox) == 4


def test_the_digest_costs_the_same_queries_for_many_cases(
    window, staffed, django_capture_on_commit_callbacks
):
    def queries_for(count):
        Notice.objects.all().delete()
        for _i in range(count):
            running(window, dt.date(2026, 9, 24))
        with time_machine.travel(MONDAY, tick=False):
            with CaptureQueriesContext(connection) as captured:
                run_digests(django_capture_on_commit_callbacks)
        return len(captured)

    queries_for(1)  # the calendar year is loaded once per process
    # Queries grow with the recipients (one notice each), not with the cases listed.
    assert queries_for(2) == queries_for(12)


# The stale-notice sweep ------------------------------------------------------------------------


def test_the_sweep_fails_notices_out_of_attempts(settings):
    settings.NOTICE_MAX_ATTEMPTS = 3
    with time_machine.travel(at(2026, 9, 28, 8, 0), tick=False):
        worn = Notice.objects.create(
            key="a", channel="sms", recipient="13800000000", template="t", body="x", attempts=3
        )
        lost = Notice.objects.create(
            key="b", channel="sms", recipient="13800000001", template="t", body="x", attempts=1
        )
    with time_machine.travel(at(2026, 9, 28, 9, 0), tick=False):
        assert tasks.send_stale_notices.delay().get() == 1
    worn.refresh_from_db()
    lost.refresh_from_db()
    assert worn.status == NoticeStatus.FAILED
    assert (lost.status, lost.attempts) == (NoticeStatus.SENT, 2)
