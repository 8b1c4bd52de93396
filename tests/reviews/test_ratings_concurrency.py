"""Two submissions of the same rating at the same moment (a double tap, the link and the pad):
exactly one is recorded, with one rectification; the other is told it was already rated."""

import threading

import pytest
from django.db import connection

from reviews.exceptions import RatingRefused
from reviews.models import Rating, Rectification

from .factories import CompletedCaseFactory, rate_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_one_rating_wins_a_race(window_a, item):
    case = CompletedCaseFactory(window=window_a, item=item)
    barrier = threading.Barrier(4)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            rate_case(case, score=1)
            outcomes.append("rated")
        except RatingRefused as refusal:
            outcomes.append(refusal.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_rated"] * 3 + ["rated"]
    assert Rating.objects.filter(case=case).count() == 1
    assert Rectification.objects.count() == 1
