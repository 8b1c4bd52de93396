"""The hall's figures in /api/v1/stats/ and the dashboard's heat map, with known waits."""

import pytest

from hall import services

pytestmark = pytest.mark.django_db

PERSON = {"name": "王小明", "phone": "13812345678", "id_type": "other", "id_number": "E1234567"}


def test_queue_figures(api, client, clock, window_a, items, counters, clerks, bureau):
    first = services.issue_walk_in(window_a, items["a"])
    second = services.issue_walk_in(window_a, items["a"])
    clock.shift(10 * 60)
    called = services.call_next(counters[0], clerks[0])  # waited 10 minutes
    services.start(called, clerks[0], PERSON)
    clock.shift(6 * 60)
    services.finish(called, clerks[0])  # served 6 minutes
    clock.shift(24 * 60)
    late = services.call_next(counters[0], clerks[0])  # waited 40 minutes
    services.no_show(late, clerks[0])
    assert {called.pk, late.pk} == {first.pk, second.pk}

    api.force_authenticate(bureau)
    body = api.get("/api/v1/stats/", {"year": 2026}).json()
    assert body["tickets"] == 2
    assert body["avg_wait_minutes"] == 25.0
    assert body["wait_within_30_rate"] == 0.5
    assert body["wait_within_15_rate"] == 0.5
    assert body["avg_service_minutes"] == 6.0
    assert body["ticket_no_shows"] == 1

    client.force_login(bureau)
    html = client.get("/bureau/stats/", {"year": 2026}).content.decode()
    assert "queue-heatmap" in html and "heat-" in html
