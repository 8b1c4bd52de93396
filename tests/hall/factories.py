"""Factories of the hall: counters, sessions and tickets."""

import factory
from django.utils import timezone

from hall.models import Counter, CounterSession
from ipservice import dates
from tests.windows.factories import ServicePointFactory


class CounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Counter
        skip_postgeneration_save = True

    window = factory.SubFactory(ServicePointFactory)
    number = factory.Sequence(lambda n: n + 1)
    label = ""
    active = True


def signed_in(counter, user):
    """`user` at `counter` today (a session row, as sign-in makes it)."""
    return CounterSession.objects.create(
        counter=counter, user=user, day=dates.today(), signed_in_at=timezone.now()
    )
