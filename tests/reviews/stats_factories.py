"""Records for the statistics tests, with the dates that decide their year set explicitly.

`auto_now_add` fields (Case.created_at, Rating.created_at, Complaint.created_at) cannot be given
to create(), so they are written by an UPDATE afterwards. `known_year()` builds the small data
set of 2025 whose figures are worked out by hand in test_stats.py.
"""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from appointments.constants import Channel, Status
from appointments.models import Case
from appointments.workdays import add_working_days
from reviews.constants import ComplaintStatus, RatingChannel, RectificationStatus
from reviews.models import Complaint, Rating, Rectification
from tests.appointments.factories import CaseFactory
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import DistrictFactory, ServicePointFactory, StaffMembershipFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=10, minute=0):
    """An aware datetime in Shanghai time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def make_case(window, item, *, created, status=Status.CHECKED_IN, channel=Channel.WALK_IN, **kw):
    """A case created at `created`; pass start, accepted_on, completed_at, promised_due..."""
    kw.setdefault("start", created)
    case = CaseFactory(window=window, item=item, status=status, channel=channel, **kw)
    Case.objects.filter(pk=case.pk).update(created_at=created)
    case.created_at = created
    return case


def make_completed(window, item, *, accepted, completed, promised=None, staff=None, **kw):
    created = kw.pop("created", at(accepted.year, accepted.month, accepted.day, 9))
    return make_case(
        window,
        item,
        created=created,
        status=Status.COMPLETED,
        accepted_on=accepted,
        completed_at=completed,
        promised_due=promised,
        handled_by=staff,
        **kw,
    )


def rate(case, score, *, when, excluded=False):
    """A rating of `case` given at `when`; a 2 or 1 opens its rectification as the rules say."""
    rating = Rating.objects.create(
        case=case,
        window=case.window,
        item=case.item,
        staff=case.handled_by,
        score=score,
        channel=RatingChannel.LINK,
        excluded=excluded,
    )
    Rating.objects.filter(pk=rating.pk).update(created_at=when)
    rating.created_at = when
    if score <= 2:
        opened = when.astimezone(SHANGHAI).date()
        Rectification.objects.create(
            rating=rating,
            window=case.window,
            opened_on=opened,
            contact_due=add_working_days(opened, 1),
            reply_due=add_working_days(opened, 5),
            rectify_due=add_working_days(opened, 15),
        )
    return rating


def close_rectification(rating, when):
    Rectification.objects.filter(rating=rating).update(
        status=RectificationStatus.CLOSED, closed_at=when
    )


def make_complaint(*, when, window=None, item=None, status=ComplaintStatus.RECEIVED):
    complaint = Complaint.objects.create(
        reference=f"TS{Complaint.objects.count() + 1:06d}",
        name="李四",
        phone="13900001111",
        matter="办理专利质押登记",
        window=window,
        item=item,
        description="材料齐全但未受理。",
        status=status,
        due=add_working_days(when.date(), 5),
    )
    Complaint.objects.filter(pk=complaint.pk).update(created_at=when)
    return complaint


def known_year(window_a, window_b, item, staff_a, staff_b):
    """The hand-built 2025 of the tests (see the figures in test_stats.py).

    Windows A and B are in Xuhui (310104), C in Pudong (310115); items `item` and `item2`.
    """
    pudong = DistrictFactory(code="310115", name="浦东新区", name_en="Pudong New Area")
    window_c = ServicePointFactory(district=pudong, name="浦东新区窗口C")
    item2 = ServiceItemFactory(category=item.category)
    staff_c = StaffMembershipFactory(window=window_c).user
    booking = {"channel": Channel.BOOKING}

    c1 = make_completed(
        window_a,
        item,
        created=at(2025, 3, 1, 9),
        start=at(2025, 3, 10, 10),
        accepted=dt.date(2025, 3, 10),  # Monday
        completed=at(2025, 3, 12, 15),  # 2 working days
        promised=dt.date(2025, 3, 19),
        staff=staff_a,
        **booking,
    )
    c2 = make_case(
        window_a,
        item,
        created=at(2025, 3, 2),
        start=at(2025, 3, 11, 10),
        status=Status.NO_SHOW,
        **booking,
    )
    # Across the National Day holiday (1–8 October 2025): Thursday the 9th is 1 working day on.
    c3 = make_completed(
        window_a,
        item,
        accepted=dt.date(2025, 9, 30),
        completed=at(2025, 10, 9, 11),
        promised=dt.date(2025, 10, 9),
        staff=staff_a,
    )
    # Late: promised by the 15th, completed on the 20th (10 working days after the 6th).
    c4 = make_completed(
        window_b,
        item2,
        accepted=dt.date(2025, 5, 6),
        completed=at(2025, 5, 20, 16),
        promised=dt.date(2025, 5, 15),
        staff=staff_b,
    )
    c5 = make_case(
        window_c,
        item,
        created=at(2025, 6, 3),
        status=Status.ACCEPTED,
        accepted_on=dt.date(2025, 6, 3),
    )
    # Registered in 2024, completed in 2025 (3 working days: 31 Dec, 2 and 3 Jan); no promise.
    c6 = make_completed(
        window_c,
        item,
        created=at(2024, 12, 30, 9),
        accepted=dt.date(2024, 12, 30),
        completed=at(2025, 1, 3, 10),
        staff=staff_c,
    )
    # Booked in 2025 for 2026: a 2025 case but a 2026 booking.
    c7 = make_case(
        window_a,
        item,
        created=at(2025, 12, 20),
        start=at(2026, 1, 5, 10),
        status=Status.BOOKED,
        **booking,
    )
    # 00:30 on New Year's Day in Shanghai is still 2024 in UTC: a 2025 case.
    c8 = make_case(
        window_b, item, created=at(2025, 1, 1, 0, 30), status=Status.REJECTED, channel=Channel.MAIL
    )
    ratings = SimpleNamespace(
        r1=rate(c1, 5, when=at(2025, 3, 12, 16)),
        r3=rate(c3, 4, when=at(2025, 10, 9, 12)),
        r4=rate(c4, 1, when=at(2025, 5, 21, 9)),
        # Excluded after an upheld appeal: counts nowhere.
        r6=rate(c6, 2, when=at(2025, 1, 3, 11), excluded=True),
    )
    complaints = [
        make_complaint(when=at(2025, 4, 1), window=window_a, item=item),
        make_complaint(when=at(2025, 5, 1)),
        make_complaint(when=at(2024, 11, 1), window=window_c),
    ]
    return SimpleNamespace(
        window_a=window_a,
        window_b=window_b,
        window_c=window_c,
        pudong=pudong,
        item=item,
        item2=item2,
        staff_a=staff_a,
        staff_b=staff_b,
        staff_c=staff_c,
        cases=[c1, c2, c3, c4, c5, c6, c7, c8],
        ratings=ratings,
        complaints=complaints,
    )


def more_of_the_same(window, item, count, *, year=2025):
    """`count` more completed, rated cases: for checking that query counts do not grow."""
    for n in range(count):
        day = dt.date(year, 2 + n % 10, 3 + n % 20)
        case = make_completed(
            window,
            item,
            accepted=day,
            completed=at(day.year, day.month, day.day, 16),
            promised=day + dt.timedelta(days=7),
        )
        rate(case, 1 + n % 5, when=at(day.year, day.month, day.day, 17))
        make_complaint(when=at(day.year, day.month, day.day, 11), window=window, item=item)
