"""The case services: every transition and every refused one, due dates, deadline states."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from appointments import cases
from appointments.constants import Action, Channel, Status
from appointments.exceptions import TransitionNotAllowed
from appointments.models import Case, CaseEvent, Notice
from appointments.workflow import STAFF_ACTIONS, TRANSITIONS
from tests.appointments.factories import CaseFactory, resident_id
from tests.catalog.factories import MaterialFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Thu 2026-09-24: 09-25 is the Mid-Autumn holiday, 09-26/27 a weekend, 10-01..07 National Day,
# Sat 10-10 an adjusted working day.
THURSDAY = dt.datetime(2026, 9, 24, 10, 0, tzinfo=SHANGHAI)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Users are made for almost every test; a deliberately slow hasher is not the subject.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def frozen():
    with time_machine.travel(THURSDAY, tick=False):
        yield


@pytest.fixture
def tolerable(item):
    return MaterialFactory(item=item, name="营业执照副本", tolerable=True)


@pytest.fixture
def required_material(item):
    return MaterialFactory(item=item, name="申请书", tolerable=False)


def make_case(window, item, status=Status.CHECKED_IN, **fields):
    return CaseFactory(window=window, item=item, status=status, **fields)


def run(action, case, actor):
    """Run a staff action through its service with valid input."""
    if action == Action.CHECK_IN:
        return cases.check_in(case, actor)
    if action == Action.ACCEPT:
        return cases.accept(case, actor)
    if action == Action.ACCEPT_PENDING:
        material = MaterialFactory(item=case.item, tolerable=True)
        return cases.accept_pending(case, actor, [material], dt.date(2026, 10, 9))
    if action == Action.REJECT:
        return cases.reject(case, actor, "材料不齐")
    return cases.complete(case, actor)


TRANSITION_CASES = [
    (status, action)
    for action in STAFF_ACTIONS
    for status in Status.values
    if status in TRANSITIONS[action][0]
]
REFUSED_CASES = [
    (status, action)
    for action in STAFF_ACTIONS
    for status in Status.values
    if status not in TRANSITIONS[action][0]
]


@pytest.mark.parametrize(("status", "action"), TRANSITION_CASES)
def test_every_allowed_transition_moves_the_case_and_records_who(
    frozen, window_a, item, staff_a, status, action
):
    case = make_case(window_a, item, status, accepted_on=None)
    moved = run(action, case, staff_a)
    assert moved.status == TRANSITIONS[action][1]
    assert Case.objects.get(pk=case.pk).status == TRANSITIONS[action][1]
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.from_status, event.to_status) == (
        action,
        status,
        TRANSITIONS[action][1],
    )
    assert event.actor == staff_a


@pytest.mark.parametrize(("status", "action"), REFUSED_CASES)
def test_every_refused_transition_changes_nothing(frozen, window_a, item, staff_a, status, action):
    case = make_case(window_a, item, status)
    with pytest.raises(TransitionNotAllowed) as refusal:
        run(action, case, staff_a)
    assert refusal.value.code == "wrong_state"
    assert Case.objects.get(pk=case.pk).status == status
    assert not CaseEvent.objects.filter(case=case).exists()


def test_the_matrices_cover_every_status_and_action():
    assert len(TRANSITION_CASES) + len(REFUSED_CASES) == len(Status.values) * len(STAFF_ACTIONS)


# Due dates -------------------------------------------------------------------------------------


def test_accept_sets_due_dates_in_working_days(frozen, window_a, item, staff_a):
    item.promised_limit_days, item.legal_limit_days = 3, 15
    item.save()
    case = cases.accept(make_case(window_a, item), staff_a)
    assert case.accepted_on == dt.date(2026, 9, 24)
    assert case.promised_due == dt.date(2026, 9, 30)
    # 09-28..30 (3), 10-08, 10-09, Sat 10-10 (调休), 10-12..16 (11), 10-19..22 (15).
    assert case.legal_due == dt.date(2026, 10, 22)
    assert case.handled_by == staff_a


def test_accept_near_midnight_uses_the_shanghai_date(window_a, item, staff_a):
    item.promised_limit_days = 3
    item.save()
    # 2026-09-23 16:30 UTC is already Thursday 00:30 in Shanghai.
    with time_machine.travel(dt.datetime(2026, 9, 23, 16, 30, tzinfo=dt.UTC), tick=False):
        case = cases.accept(make_case(window_a, item), staff_a)
    assert case.accepted_on == dt.date(2026, 9, 24)
    assert case.promised_due == dt.date(2026, 9, 30)


def test_item_without_limits_gets_no_due_dates(frozen, window_a, item, staff_a):
    item.promised_limit_days = item.legal_limit_days = None
    item.save()
    case = cases.accept(make_case(window_a, item), staff_a)
    assert case.accepted_on == dt.date(2026, 9, 24)
    assert case.legal_due is None and case.promised_due is None
    assert cases.deadline_state(case, dt.date(2026, 9, 24)) is None


def test_accept_pending_starts_the_clock_and_records_the_commitment(
    frozen, window_a, item, staff_a, tolerable
):
    item.promised_limit_days = 3
    item.save()
    case = cases.accept_pending(
        make_case(window_a, item), staff_a, [tolerable.pk], THURSDAY.date() + dt.timedelta(days=10)
    )
    assert case.status == Status.PENDING
    assert case.accepted_on == dt.date(2026, 9, 24)
    assert case.promised_due == dt.date(2026, 9, 30)
    assert case.materials_due == dt.date(2026, 10, 4)
    assert list(case.missing_materials.all()) == [tolerable]
    note = CaseEvent.objects.get(case=case).display_note
    assert "营业执照副本" in note and "2026-10-04" in note


def test_accepting_a_pending_case_keeps_the_first_acceptance_date(
    window_a, item, staff_a, tolerable
):
    item.promised_limit_days = 3
    item.save()
    with time_machine.travel(THURSDAY, tick=False):
        case = cases.accept_pending(
            make_case(window_a, item), staff_a, ["营业执照副本"], dt.date(2026, 9, 30)
        )
    with time_machine.travel(dt.datetime(2026, 9, 29, 9, tzinfo=SHANGHAI), tick=False):
        case = cases.accept(case, staff_a)
    assert case.status == Status.ACCEPTED
    assert case.accepted_on == dt.date(2026, 9, 24)
    assert case.promised_due == dt.date(2026, 9, 30)
    assert not case.missing_materials.exists()


@pytest.mark.parametrize(
    ("materials", "due", "field"),
    [
        ([], dt.date(2026, 10, 9), "materials"),
        (["申请书"], dt.date(2026, 10, 9), "materials"),  # required, not tolerable
        (["不存在的材料"], dt.date(2026, 10, 9), "materials"),
        ([999999], dt.date(2026, 10, 9), "materials"),
        (["营业执照副本"], dt.date(2026, 9, 24), "materials_due"),  # today is not the future
        (["营业执照副本"], dt.date(2026, 9, 1), "materials_due"),
        (["营业执照副本"], None, "materials_due"),
    ],
)
def test_accept_pending_refuses_bad_commitments(
    frozen, window_a, item, staff_a, tolerable, required_material, materials, due, field
):
    case = make_case(window_a, item)
    with pytest.raises(ValidationError) as error:
        cases.accept_pending(case, staff_a, materials, due)
    assert field in error.value.message_dict
    assert Case.objects.get(pk=case.pk).status == Status.CHECKED_IN


def test_accept_pending_refuses_another_items_material(frozen, window_a, item, staff_a):
    foreign = MaterialFactory(tolerable=True)
    with pytest.raises(ValidationError) as error:
        cases.accept_pending(make_case(window_a, item), staff_a, [foreign], dt.date(2026, 10, 9))
    assert "materials" in error.value.message_dict


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reject_needs_a_reason(window_a, item, staff_a, reason):
    case = make_case(window_a, item)
    with pytest.raises(ValidationError) as error:
        cases.reject(case, staff_a, reason)
    assert "reason" in error.value.message_dict
    assert Case.objects.get(pk=case.pk).status == Status.CHECKED_IN


def test_reject_keeps_the_reason_on_the_case_and_the_timeline(window_a, item, staff_a):
    case = cases.reject(make_case(window_a, item), staff_a, "  缺少申请书  ")
    assert case.reject_reason == "缺少申请书"
    assert CaseEvent.objects.get(case=case).note == "缺少申请书"


def test_complete_records_the_time(frozen, window_a, item, staff_a):
    case = cases.complete(make_case(window_a, item, Status.ACCEPTED), staff_a)
    assert case.completed_at == THURSDAY


# Deadline states ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "state"),
    [
        (dt.date(2026, 9, 23), "overdue"),
        (dt.date(2026, 9, 24), "near_due"),  # due today: 0 working days left
        (dt.date(2026, 9, 28), "near_due"),  # 1 working day left (holiday and weekend skipped)
        (dt.date(2026, 9, 29), "near_due"),  # 2 left
        (dt.date(2026, 9, 30), "ok"),  # 3 left
        (dt.date(2026, 10, 7), "ok"),  # a holiday after 3 working days
    ],
)
def test_deadline_state(window_a, item, due, state):
    case = make_case(window_a, item, Status.ACCEPTED, promised_due=due, legal_due=None)
    assert cases.deadline_state(case, dt.date(2026, 9, 24)) == state


def test_deadline_state_uses_the_promised_date_before_the_legal_one(window_a, item):
    case = make_case(
        window_a,
        item,
        Status.PENDING,
        promised_due=dt.date(2026, 9, 23),
        legal_due=dt.date(2026, 10, 22),
    )
    assert cases.deadline_state(case, dt.date(2026, 9, 24)) == "overdue"
    case.promised_due = None
    assert cases.deadline_state(case, dt.date(2026, 9, 24)) == "ok"


@pytest.mark.parametrize(
    "status", [Status.BOOKED, Status.CHECKED_IN, Status.COMPLETED, Status.REJECTED]
)
def test_no_deadline_state_when_no_clock_runs(window_a, item, status):
    case = make_case(window_a, item, status, promised_due=dt.date(2026, 9, 1))
    assert cases.deadline_state(case, dt.date(2026, 9, 24)) is None


def test_sql_deadline_annotation_agrees_with_deadline_state(window_a, item):
    today = dt.date(2026, 9, 24)
    for offset in range(-3, 20):
        make_case(
            window_a,
            item,
            Status.ACCEPTED,
            promised_due=today + dt.timedelta(days=offset),
            legal_due=None,
        )
    make_case(window_a, item, Status.COMPLETED, promised_due=today)
    make_case(window_a, item, Status.ACCEPTED, promised_due=None, legal_due=None)
    for case in cases.with_deadlines(Case.objects.all(), today):
        assert case.deadline == cases.deadline_state(case, today), case.promised_due


def test_due_first_puts_open_cases_by_due_date_first(window_a, item):
    late = make_case(window_a, item, Status.ACCEPTED, promised_due=dt.date(2026, 10, 20))
    soon = make_case(window_a, item, Status.PENDING, promised_due=dt.date(2026, 9, 28))
    overdue = make_case(window_a, item, Status.ACCEPTED, promised_due=dt.date(2026, 9, 1))
    waiting = make_case(window_a, item, Status.CHECKED_IN)
    done = make_case(window_a, item, Status.COMPLETED, promised_due=dt.date(2026, 8, 1))
    ordered = list(cases.due_first(Case.objects.all(), dt.date(2026, 9, 24)))
    assert ordered == [overdue, soon, late, waiting, done]


# Walk-ins -----------------------------------------------------------------------------------


def person(**overrides):
    return {
        "name": "李四",
        "phone": "13912345678",
        "id_type": "resident_id",
        "id_number": resident_id(),
        **overrides,
    }


@pytest.mark.parametrize(
    ("channel", "prefix"), [(Channel.WALK_IN, "CK"), (Channel.MAIL, "YJ"), (Channel.ONLINE, "WS")]
)
def test_create_walk_in_starts_checked_in(frozen, window_a, item, staff_a, channel, prefix):
    case = cases.create_walk_in(
        window=window_a, item=item, channel=channel, actor=staff_a, **person()
    )
    assert case.status == Status.CHECKED_IN
    assert case.channel == channel
    assert case.reference.startswith(prefix + "260924")
    assert case.start == THURSDAY
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.to_status, event.actor) == (
        Action.CREATE,
        Status.CHECKED_IN,
        staff_a,
    )


def test_create_walk_in_refuses_another_window(window_a, window_b, item, staff_a):
    with pytest.raises(ValidationError) as error:
        cases.create_walk_in(
            window=window_b, item=item, channel=Channel.WALK_IN, actor=staff_a, **person()
        )
    assert "window" in error.value.message_dict
    assert not Case.objects.exists()


def test_create_walk_in_refuses_an_item_the_window_does_not_offer(window_a, staff_a):
    other_item = MaterialFactory().item
    with pytest.raises(ValidationError) as error:
        cases.create_walk_in(
            window=window_a, item=other_item, channel=Channel.MAIL, actor=staff_a, **person()
        )
    assert "item" in error.value.message_dict


def test_create_walk_in_refuses_the_booking_channel(window_a, item, staff_a):
    with pytest.raises(ValidationError) as error:
        cases.create_walk_in(
            window=window_a, item=item, channel=Channel.BOOKING, actor=staff_a, **person()
        )
    assert "channel" in error.value.message_dict


def test_bureau_without_a_window_cannot_register(window_a, item, bureau):
    with pytest.raises(ValidationError):
        cases.create_walk_in(
            window=window_a, item=item, channel=Channel.WALK_IN, actor=bureau, **person()
        )


# Access -----------------------------------------------------------------------------------


def test_get_case_for_user(window_a, item, staff_a, staff_b, bureau, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    case = make_case(window_a, item)
    assert cases.get_case_for_user(staff_a, case.pk) == case
    assert cases.get_case_for_user(staff_a, case.pk, handle=True) == case
    assert cases.get_case_for_user(bureau, case.pk) == case
    with pytest.raises(PermissionDenied):
        cases.get_case_for_user(bureau, case.pk, handle=True)
    for stranger in (staff_b, AnonymousUser(), django_user_model.objects.create(username="x")):
        with pytest.raises(Http404):
            cases.get_case_for_user(stranger, case.pk)
    with pytest.raises(Http404):
        cases.get_case_for_user(staff_a, case.pk + 1000)


def test_completing_queues_the_rating_invitation_with_the_completion(
    window_a, item, staff_a, django_capture_on_commit_callbacks
):
    case = make_case(window_a, item, Status.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        cases.complete(case, staff_a)
    # case_completed is sent in the completion's transaction: the invitation is a notice row
    # already, whose delivery is the one thing left for the commit.
    assert Notice.objects.filter(key=f"invite:{case.reference}").count() == 1
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(TransitionNotAllowed):
            cases.complete(case, staff_a)
    assert callbacks == []
    assert Notice.objects.filter(key=f"invite:{case.reference}").count() == 1
