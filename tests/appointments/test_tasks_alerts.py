"""好差评 rectification alerts (reviews.alerts): due within a working day, then every working
day while overdue, to the window's supervisors and the bureau, at most once a day each."""

import datetime as dt
import logging

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from appointments.models import MessageTemplate, Notice
from reviews import alerts
from reviews.models import Rectification
from tests.reviews.factories import CompletedCaseFactory, rate_case
from tests.windows.factories import StaffMembershipFactory, UserFactory
from windows.constants import BUREAU_GROUP, Role

pytestmark = pytest.mark.django_db

CST = dt.timezone(dt.timedelta(hours=8))


def at(*args):
    return dt.datetime(*args, tzinfo=CST)


@pytest.fixture
def rect(window_a, item, staff_a):
    """A 1 given on Thursday 2026-09-24: rectify by Thursday 2026-10-22 (15 working days)."""
    case = CompletedCaseFactory(
        window=window_a, item=item, handled_by=staff_a, name="赵六", phone="13912345678"
    )
    with time_machine.travel(at(2026, 9, 24, 10, 0), tick=False):
        rectification = rate_case(case, score=1).rectification
    assert rectification.rectify_due == dt.date(2026, 10, 22)
    return rectification


@pytest.fixture
def people(window_a, window_b):
    def member(window, name, role=Role.STAFF, email=True):
        user = UserFactory(username=name, email=f"{name}@example.com" if email else "")
        return StaffMembershipFactory(window=window, user=user, role=role).user

    bureau = UserFactory(username="bureau", email="bureau@example.com", is_staff=True)
    bureau.groups.add(Group.objects.get_or_create(name=BUREAU_GROUP)[0])
    return {
        "supervisor": member(window_a, "boss", Role.SUPERVISOR),
        "silent": member(window_a, "silent", Role.SUPERVISOR, email=False),
        "clerk": member(window_a, "clerk"),
        "other_supervisor": member(window_b, "otherboss", Role.SUPERVISOR),
        "bureau": bureau,
    }


def run(capture, moment):
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return alerts.send_rectification_alerts.delay().get()


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_nothing_two_working_days_before(rect, people, django_capture_on_commit_callbacks):
    assert run(django_capture_on_commit_callbacks, at(2026, 10, 20, 9, 0)) == 0
    assert mail.outbox == []


def test_the_working_day_before_the_supervisors_and_the_bureau_are_told(
    rect, people, django_capture_on_commit_callbacks, caplog
):
    with caplog.at_level(logging.INFO, logger="reviews.alerts"):
        assert run(django_capture_on_commit_callbacks, at(2026, 10, 21, 9, 0)) == 2
    assert recipients() == ["boss@example.com", "bureau@example.com"]
    message = mail.outbox[0]
    assert "2026-10-22" in message.subject
    assert rect.rating.case.reference in message.body
    assert f"/reviews/rectifications/{rect.pk}/" in message.body
    # The rater's personal data never goes out in an alert.
    assert "赵六" not in message.body and "13912345678" not in message.body
    assert f"user {people['silent'].pk} has no email" in caplog.text
    notice = Notice.objects.get(recipient="boss@example.com")
    assert notice.template == "rectification_due_soon"
    assert notice.key.startswith(f"rectify-due_soon:{rect.pk}:20261021:")


def test_at_most_once_a_day(rect, people, django_capture_on_commit_callbacks):
    assert run(django_capture_on_commit_callbacks, at(2026, 10, 21, 9, 0)) == 2
    assert run(django_capture_on_commit_callbacks, at(2026, 10, 21, 15, 0)) == 0
    # The due day itself is still "due soon": a new day, a new alert.
    assert run(django_capture_on_commit_callbacks, at(2026, 10, 22, 9, 0)) == 2
    assert len(mail.outbox) == 4


def test_overdue_alerts_every_working_day_until_closed(
    rect, people, django_capture_on_commit_callbacks
):
    assert run(django_capture_on_commit_callbacks, at(2026, 10, 23, 9, 0)) == 2  # Friday
    assert "2026-10-22" in mail.outbox[0].subject
    assert set(Notice.objects.values_list("template", flat=True)) == {"rectification_overdue"}
    assert run(django_capture_on_commit_callbacks, at(2026, 10, 24, 9, 0)) == 0  # Saturday
    assert run(django_capture_on_commit_callbacks, at(2026, 10, 26, 9, 0)) == 2  # Monday
    assert Notice.objects.filter(template="rectification_overdue").count() == 4

    Rectification.objects.filter(pk=rect.pk).update(closed_at=timezone.now())
    assert run(django_capture_on_commit_callbacks, at(2026, 10, 27, 9, 0)) == 0


def test_a_configured_bureau_mailbox_replaces_the_group(
    rect, people, settings, django_capture_on_commit_callbacks
):
    settings.BUREAU_ALERT_EMAILS = ["haocaiping@bureau.example", "BOSS@example.com"]
    assert run(django_capture_on_commit_callbacks, at(2026, 10, 21, 9, 0)) == 2
    # The supervisor's address given again for the bureau is written to once.
    assert recipients() == ["boss@example.com", "haocaiping@bureau.example"]


def test_the_alert_job_reads_a_fixed_number_of_queries(
    window_a, item, staff_a, people, django_assert_max_num_queries
):
    for _i in range(5):
        case = CompletedCaseFactory(window=window_a, item=item, handled_by=staff_a)
        with time_machine.travel(at(2026, 9, 24, 10, 0), tick=False):
            rate_case(case, score=1)
    with time_machine.travel(at(2026, 10, 21, 9, 0), tick=False):
        alerts.due_soon(dt.date(2026, 10, 21)).count()  # the calendar, loaded once
        # Due soon, overdue (with window, rating and case), supervisors, bureau users.
        with django_assert_max_num_queries(4):
            found = alerts._alerts_of_the_day(dt.date(2026, 10, 21))
            alerts.supervisor_addresses({rect.window_id for _kind, rect in found})
            alerts.bureau_addresses()
    assert len(found) == 5


def test_an_alert_says_what_its_template_says(rect, people, django_capture_on_commit_callbacks):
    run(django_capture_on_commit_callbacks, at(2026, 10, 21, 9, 0))
    lines = mail.outbox[0].body.splitlines()
    assert lines[:2] == ["该差评须于2026-10-22前完成整改并向服务对象反馈。", ""]
    assert lines[3] == f"办件编号：{rect.rating.case.reference}（2026-09-24评价为1分）"


def test_the_bureau_can_reword_an_alert(rect, people, django_capture_on_commit_callbacks):
    MessageTemplate.objects.create(
        purpose="rectification_overdue",
        channel="email",
        language="zh-hans",
        subject="整改超期：#{{ id }}",
        body="{{ window }}的整改已超期{{ late }}个工作日：{{ url }}",
    )
    run(django_capture_on_commit_callbacks, at(2026, 10, 23, 9, 0))
    message = mail.outbox[0]
    assert message.subject == f"整改超期：#{rect.pk}"
    assert message.body.startswith(f"{rect.window.display_name}的整改已超期1个工作日：http")
