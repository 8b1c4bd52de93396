import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from tests.windows.factories import (
    DistrictFactory,
    ServicePointFactory,
    StaffMembershipFactory,
    UserFactory,
)
from windows.constants import Kind, Level
from windows.models import (
    OpeningPeriod,
    ServicePoint,
    group_by_district,
    is_bureau,
    require_bureau,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("level", [Level.DISTRICT, Level.PARK])
def test_district_and_park_points_need_a_district(level):
    point = ServicePointFactory.build(level=level, district=None)
    with pytest.raises(ValidationError) as error:
        point.full_clean()
    assert "district" in error.value.message_dict


def test_a_city_level_point_needs_no_district():
    point = ServicePointFactory.build(level=Level.CITY, district=None, kind=Kind.ACCEPTANCE)
    point.full_clean()


@pytest.mark.parametrize("field,value", [("counters", 0), ("slot_minutes", 1), ("horizon_days", 0)])
def test_capacity_figures_are_bounded(field, value):
    point = ServicePointFactory.build(district=DistrictFactory(), **{field: value})
    with pytest.raises(ValidationError) as error:
        point.full_clean()
    assert field in error.value.message_dict


def test_capacity_is_counters_times_people_per_slot():
    assert ServicePointFactory.build(counters=3, people_per_slot=2).capacity == 6


@pytest.mark.parametrize(
    "phone,tel",
    [("021-0000-0104（示例）", "02100000104"), ("+86 21 6488 0000", "+862164880000"), ("", "")],
)
def test_tel_keeps_only_what_a_phone_dials(phone, tel):
    assert ServicePointFactory.build(phone=phone).tel == tel


def test_a_period_must_end_after_it_starts():
    window = ServicePointFactory(hours=[])
    period = OpeningPeriod(window=window, weekday=0, start=dt.time(12), end=dt.time(9))
    with pytest.raises(ValidationError):
        period.full_clean()
    equal = OpeningPeriod(window=window, weekday=0, start=dt.time(9), end=dt.time(9))
    with pytest.raises(ValidationError):
        equal.full_clean()


def test_the_database_refuses_a_backwards_period_too():
    window = ServicePointFactory(hours=[])
    with pytest.raises(IntegrityError), transaction.atomic():
        OpeningPeriod.objects.create(window=window, weekday=0, start=dt.time(12), end=dt.time(9))


def test_a_day_may_have_several_periods():
    window = ServicePointFactory(hours=[(0, (9, 0), (12, 0)), (0, (13, 30), (17, 0))])
    assert window.opening_periods.filter(weekday=0).count() == 2


def test_staff_see_their_windows_and_the_bureau_sees_all(window_a, window_b, staff_a, bureau):
    assert list(ServicePoint.objects.for_user(staff_a)) == [window_a]
    assert set(ServicePoint.objects.for_user(bureau)) == {window_a, window_b}
    assert is_bureau(bureau) and not is_bureau(staff_a)


def test_a_stranger_sees_no_window(window_a):
    from django.contrib.auth.models import AnonymousUser

    assert not ServicePoint.objects.for_user(AnonymousUser()).exists()
    assert not ServicePoint.objects.for_user(UserFactory()).exists()


def test_a_user_is_a_member_of_a_window_once(window_a):
    membership = StaffMembershipFactory(window=window_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffMembershipFactory(window=window_a, user=membership.user)


def test_require_bureau_refuses_everyone_else_with_403(staff_a, bureau, django_user_model):
    require_bureau(bureau)  # no exception
    for user in (staff_a, AnonymousUser(), django_user_model.objects.create(username="nobody")):
        with pytest.raises(PermissionDenied):
            require_bureau(user, "for the bureau")


def test_windows_group_city_first_then_by_district_code():
    xuhui = DistrictFactory(code="310104")
    huangpu = DistrictFactory(code="310101")
    park = ServicePointFactory(level=Level.PARK, district=xuhui)
    city = ServicePointFactory(level=Level.CITY, district=None)
    in_xuhui = ServicePointFactory(level=Level.DISTRICT, district=xuhui)
    in_huangpu = ServicePointFactory(level=Level.DISTRICT, district=huangpu)

    groups = group_by_district([park, city, in_xuhui, in_huangpu])

    assert groups == [(None, [city]), (huangpu, [in_huangpu]), (xuhui, [park, in_xuhui])]
    # The same through the queryset, in the windows' own order (level, then district code).
    assert ServicePoint.objects.by_district() == [
        (None, [city]),
        (huangpu, [in_huangpu]),
        (xuhui, [in_xuhui, park]),
    ]
