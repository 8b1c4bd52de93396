"""Factories and helpers of the ratings / rectification / appeals / complaints tests.

Ratings made with `rate_case` go through reviews.services.ratings.rate, so a 2 or 1 opens its
rectification exactly as in production; RatingFactory writes a row directly for lists.
"""

import datetime as dt

import factory
from django.utils import timezone

from appointments.constants import Status
from appointments.services import booking_token
from ipservice import dates
from reviews.constants import RatingChannel
from reviews.models import Complaint, Rating
from reviews.services.ratings import rate
from tests.appointments.factories import CaseFactory
from tests.windows.factories import StaffMembershipFactory
from windows.constants import Role


class CompletedCaseFactory(CaseFactory):
    """A case completed at the window by `handled_by` (a staff member of the window)."""

    status = Status.COMPLETED
    accepted_on = factory.LazyFunction(dates.today)
    completed_at = factory.LazyFunction(timezone.now)
    handled_by = factory.LazyAttribute(lambda o: StaffMembershipFactory(window=o.window).user)


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    case = factory.SubFactory(CompletedCaseFactory)
    window = factory.LazyAttribute(lambda o: o.case.window)
    item = factory.LazyAttribute(lambda o: o.case.item)
    staff = factory.LazyAttribute(lambda o: o.case.handled_by)
    score = 5
    channel = RatingChannel.LINK
    comment = "办事很快"


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    reference = factory.Sequence(lambda n: f"FT{n:08d}")
    name = "李四"
    phone = factory.Sequence(lambda n: f"139{n % 100000000:08d}")
    matter = "专利实施许可合同备案"
    description = "材料要求说不清楚，跑了三次没办成。"
    due = factory.LazyFunction(lambda: dates.today() + dt.timedelta(days=7))


def rate_case(case, score=1, **values):
    """Rate `case` as the person would, through the service (opens the rectification)."""
    values.setdefault("comment", "等了很久，窗口说不清要什么材料")
    return rate(case, token=booking_token(case), score=score, **values)


def bad_rating(window, **case_values):
    """A 1 on a completed case of `window`, with its rectification."""
    return rate_case(CompletedCaseFactory(window=window, **case_values), score=1)


def supervisor_of(window):
    return StaffMembershipFactory(window=window, role=Role.SUPERVISOR).user


def rate_url(case, token=None):
    """The rating link of the invitation."""
    return f"/rate/{case.reference}/?token={token or booking_token(case)}"


def open_rating_page(client, case):
    """Opens the invitation's link as a browser does: the token is exchanged for the page's
    cookie (303 to the address without it). Returns that address, where the form posts."""
    page = f"/rate/{case.reference}/"
    response = client.get(rate_url(case))
    assert response.status_code == 303 and response.url == page
    return page
