"""Factories of the appointments app, shared by the booking, calendar and case tests.

Add to this file; never delete another person's factory.
"""

import datetime as dt
import io
import itertools
import os
import random
import re

import factory
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from appointments import phone_codes
from appointments.constants import Channel, IdType, Status
from appointments.models import Case, Slot
from appointments.validators import resident_id_check_char
from tests.catalog.factories import ServiceItemFactory
from tests.windows.factories import ServicePointFactory


def resident_id(birth=dt.date(1990, 1, 1), seq=None):
    """A valid 18-digit Shanghai (310101) resident ID number with its checksum."""
    seq = random.randint(0, 999) if seq is None else seq
    first17 = f"310101{birth:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_char(first17)


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Slot

    window = factory.SubFactory(ServicePointFactory)
    start = factory.LazyFunction(
        lambda: timezone.make_aware(
            dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(9, 0))
        )
    )
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(minutes=o.window.slot_minutes))
    capacity = factory.LazyAttribute(lambda o: o.window.capacity)
    booked = 0


class CaseFactory(factory.django.DjangoModelFactory):
    """A case; by default a walk-in that is checked in. For a booking use `booking=True`
    (channel booking, status booked, start at 10:00 today unless `start` is given)."""

    class Meta:
        model = Case

    class Params:
        booking = factory.Trait(
            channel=Channel.BOOKING,
            status=Status.BOOKED,
            start=factory.LazyFunction(
                lambda: timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(10)))
            ),
        )

    reference = factory.Sequence(lambda n: f"CK{n:010d}")
    window = factory.SubFactory(ServicePointFactory)
    item = factory.SubFactory(ServiceItemFactory)
    channel = Channel.WALK_IN
    status = Status.CHECKED_IN
    start = factory.LazyFunction(timezone.now)
    name = "张三丰"
    phone = factory.Sequence(lambda n: f"138{n % 100000000:08d}")
    id_type = IdType.RESIDENT_ID
    id_number = factory.Sequence(lambda n: resident_id(seq=n % 1000))


# Booking helpers (booking back end) -------------------------------------------------------------


def uscc(seq=0, region="310104"):
    """A valid 18-character unified social credit code (a company, 91…) with its checksum."""
    from appointments.validators import uscc_check_char

    first17 = f"91{region}{seq % 10**9:09d}"
    return first17 + uscc_check_char(first17)


def person(seq=0):
    """Valid person fields of a booking, distinct for each `seq` (ID number and phone)."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=seq // 1000)
    return {
        "name": "张三",
        "phone": f"139{seq % 10**8:08d}",
        "id_type": IdType.RESIDENT_ID,
        "id_number": resident_id(birth=birth, seq=seq % 1000),
    }


_addresses = itertools.count(1)


def client_address():
    """A client address of its own for each API client of a test. Rate-limit counters live in
    the cache (Redis in CI, shared with other test runs): a fresh address instead of a flush.
    The process id keeps two test runs on one Redis apart."""
    n = next(_addresses)
    return f"10.{os.getpid() % 250}.{n // 250 % 250}.{n % 250 + 1}"


def phone_code(phone, purpose="booking"):
    """A right SMS code for `phone`, through the real path: phone_codes.send_code queues the SMS,
    the task sends it through the outbox backend, and the code is read back from the outbox with
    `manage.py sms_outbox`, as a developer would. Inside a test's transaction the notice is sent
    at once (the on-commit callbacks run here)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        phone_codes.send_code(phone, purpose)
    out = io.StringIO()
    call_command("sms_outbox", phone=phone, last=1, stdout=out)
    return re.search(r"(?<!\d)\d{6}(?!\d)", out.getvalue().split("\n", 1)[1]).group()
