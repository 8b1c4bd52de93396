"""Synthetic past cases, ratings, rectifications and complaints for the demo (`seed_demo
--history N`), so that the dashboards and the annual report have something to show.

Every record made here is marked is_demo; the people are fictitious (名字 示例, phones 1390000xxxx,
ID numbers with a valid checksum but an impossible district code 999999)."""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from appointments import workdays
from appointments.constants import Channel, IdType, Status
from appointments.models import Case
from ipservice import dates
from windows.models import ServicePoint

from .constants import ComplaintStatus, RatingChannel, RectificationStatus, StepKind
from .models import Complaint, Rating, Rectification, Step
from .services.rectifications import rectification_dues

SCORES = [5] * 60 + [4] * 25 + [3] * 8 + [2] * 4 + [1] * 3
OUTCOMES = (
    [Status.COMPLETED] * 85 + [Status.REJECTED] * 5 + [Status.NO_SHOW] * 5 + [Status.CANCELLED] * 5
)
CHANNELS = (
    [Channel.BOOKING] * 60 + [Channel.WALK_IN] * 25 + [Channel.ONLINE] * 10 + [Channel.MAIL] * 5
)
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def demo_id_number(n):
    body = f"999999{1960 + n % 40}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]


def _moment(day, rng):
    local = dt.datetime.combine(day, dt.time(9 + rng.randrange(8), rng.randrange(60)))
    return timezone.make_aware(local)


def _offers(rng):
    points = ServicePoint.objects.active().prefetch_related("items", "memberships__user")
    offers = []
    for point in points:
        clerk = next((m.user for m in point.memberships.all()), None)
        offers += [(point, item, clerk) for item in point.items.all() if item.active]
    if not offers:
        raise ValueError("Load the windows and the catalog before the history.")
    return offers


def _case(n, rng, offers, today):
    point, item, clerk = rng.choice(offers)
    created = today - dt.timedelta(days=1 + rng.randrange(365))
    status, channel = rng.choice(OUTCOMES), rng.choice(CHANNELS)
    if status in (Status.NO_SHOW, Status.CANCELLED):
        channel = Channel.BOOKING
    case = Case(
        reference=f"DM{n:08d}",
        window=point,
        item=item,
        channel=channel,
        status=status,
        start=_moment(created, rng),
        name=rng.choice(["张示例", "李示例", "王示例", "欧阳示例"]),
        phone=f"1390000{n % 10000:04d}",
        id_type=IdType.RESIDENT_ID,
        id_number=demo_id_number(n),
        handled_by=clerk,
        is_demo=True,
    )
    if status in (Status.COMPLETED, Status.REJECTED):
        case.accepted_on = created
        if item.legal_limit_days:
            case.legal_due = workdays.add_working_days(created, item.legal_limit_days)
        promised = item.promised_limit_days or item.legal_limit_days
        if promised:
            case.promised_due = workdays.add_working_days(created, promised)
    if status == Status.COMPLETED:
        took = rng.randrange(0, (promised or 5) + 2)  # a few finish late
        done = workdays.add_working_days(created, took)
        case.completed_at = _moment(min(done, today - dt.timedelta(days=1)), rng)
    if status == Status.REJECTED:
        case.reject_reason = "材料不齐（示例）"
    return case


def _rate(case, rng, bureau, today):
    rated_on = dates.local_day(case.completed_at) + dt.timedelta(days=rng.randrange(3))
    rated_on = min(rated_on, today)
    score = rng.choice(SCORES)
    rating = Rating.objects.create(
        case=case,
        window_id=case.window_id,
        item_id=case.item_id,
        staff_id=case.handled_by_id,
        score=score,
        efficiency=score,
        competence=score,
        attitude=max(1, score - rng.randrange(2)),
        comment="" if score > 2 else "等待时间较长（示例）",
        channel=rng.choice([RatingChannel.LINK] * 8 + [RatingChannel.PAD] * 2),
        is_demo=True,
    )
    Rating.objects.filter(pk=rating.pk).update(created_at=_moment(rated_on, rng))
    if score <= 2:
        _rectify(rating, rated_on, rng, bureau, today)


def _rectify(rating, rated_on, rng, bureau, today):
    dues = rectification_dues(rated_on)
    rect = Rectification.objects.create(
        rating=rating, window_id=rating.window_id, opened_on=rated_on, **dues
    )
    if (today - rated_on).days < 20 and rng.random() < 0.5:
        return  # recent ones are still being worked
    closed_on = workdays.add_working_days(rated_on, rng.randrange(2, 18))
    closed_at = _moment(min(closed_on, today), rng)
    for kind, notes in (
        (StepKind.FOLLOW_UP, "已电话回访（示例）"),
        (StepKind.VERIFY, "情况属实（示例）"),
        (StepKind.RECTIFY, "已加强窗口引导（示例）"),
        (StepKind.REPLY, "已向办事人反馈整改情况（示例）"),
    ):
        step = Step.objects.create(rectification=rect, kind=kind, actor=bureau, notes=notes)
        Step.objects.filter(pk=step.pk).update(at=closed_at)
    Rectification.objects.filter(pk=rect.pk).update(
        status=RectificationStatus.CLOSED,
        substantiated=True,
        followed_up_at=closed_at,
        verified_at=closed_at,
        rectified_at=closed_at,
        closed_at=closed_at,
    )


def _complaints(count, rng, offers, today):
    for n in range(count):
        point, item, _clerk = rng.choice(offers)
        received = today - dt.timedelta(days=1 + rng.randrange(365))
        closed = rng.random() < 0.8
        complaint = Complaint.objects.create(
            reference=f"FDM{n:07d}",
            name="赵示例",
            phone=f"1390001{n % 10000:04d}",
            matter=item.name,
            window=point,
            item=item,
            description="窗口无法办理该事项（示例）",
            status=ComplaintStatus.CLOSED if closed else ComplaintStatus.RECEIVED,
            due=workdays.add_working_days(received, 5),
            closed_at=_moment(received + dt.timedelta(days=3), rng) if closed else None,
            is_demo=True,
        )
        Complaint.objects.filter(pk=complaint.pk).update(created_at=_moment(received, rng))


@transaction.atomic
def make_history(count, seed=2025):
    """Make `count` demo cases (and their ratings and rectifications) unless there already are;
    returns how many were made."""
    existing = Case.objects.filter(is_demo=True).count()
    if existing >= count:
        return 0
    rng = random.Random(seed + existing)
    today = dates.today()
    offers = _offers(rng)
    bureau = get_user_model().objects.filter(username="bureau").first()
    cases = [_case(n, rng, offers, today) for n in range(existing, count)]
    Case.objects.bulk_create(cases)
    for case in cases:
        # created_at is set on insert; the history needs it in the past.
        Case.objects.filter(pk=case.pk).update(created_at=case.start)
        if case.status == Status.COMPLETED and rng.random() < 0.7:
            _rate(case, rng, bureau, today)
    _complaints(max(1, (count - existing) // 50), rng, offers, today)
    return len(cases)
