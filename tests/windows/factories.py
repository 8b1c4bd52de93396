import datetime as dt

import factory
from django.contrib.auth import get_user_model

from windows.constants import Kind, Level, Role
from windows.models import District, OpeningPeriod, ServicePoint, StaffMembership


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    code = "310104"
    name = "徐汇区"
    name_en = "Xuhui"


class ServicePointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePoint
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"win-{n}")
    name = factory.Sequence(lambda n: f"测试窗口{n}")
    name_en = factory.Sequence(lambda n: f"Test window {n}")
    kind = Kind.COMPREHENSIVE
    level = Level.DISTRICT
    district = factory.SubFactory(DistrictFactory)
    address = "上海市测试路1号"
    phone = "021-12345678"
    counters = 2
    people_per_slot = 1
    slot_minutes = 30
    horizon_days = 10

    @factory.post_generation
    def hours(obj, create, extracted, **kwargs):
        """Mon–Fri 09:00–12:00 and 13:30–17:00 unless hours=[...] is given."""
        if not create:
            return
        periods = extracted
        if periods is None:
            periods = [
                (day, start, end)
                for day in range(5)
                for start, end in (((9, 0), (12, 0)), ((13, 30), (17, 0)))
            ]
        OpeningPeriod.objects.bulk_create(
            OpeningPeriod(window=obj, weekday=day, start=dt.time(*start), end=dt.time(*end))
            for day, start, end in periods
        )


class StaffMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory, is_staff=False)
    window = factory.SubFactory(ServicePointFactory)
    role = Role.STAFF


def make_points(count, district, items=(), **kwargs):
    """Several active points of one district, each offering `items`, with the default hours."""
    points = ServicePointFactory.create_batch(count, district=district, **kwargs)
    for point in points:
        point.items.add(*items)
    return points


def registry_snapshot():
    """Everything the window registry holds, in comparable form (for "nothing changed" tests)."""
    points = ServicePoint.objects.order_by("code").prefetch_related("items", "opening_periods")
    return [
        (
            p.code,
            p.name,
            p.name_en,
            p.kind,
            p.level,
            p.district.code if p.district else None,
            p.address,
            p.phone,
            p.counters,
            p.people_per_slot,
            p.slot_minutes,
            p.horizon_days,
            p.active,
            p.is_demo,
            sorted(i.code for i in p.items.all()),
            sorted((o.weekday, o.start, o.end) for o in p.opening_periods.all()),
        )
        for p in points.select_related("district")
    ]
