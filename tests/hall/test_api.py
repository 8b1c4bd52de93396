"""The hall's API against the whole cast: the kiosk (anyone), the holder (token), the clerk of
the window, a clerk of another window, the bureau (issue 13, names fixed)."""

import pytest
from django.utils import translation

from hall import services
from hall.exceptions import CounterBusy
from hall.models import Counter, Ticket
from tests.windows.factories import StaffMembershipFactory
from windows.constants import Role

from .factories import CounterFactory, signed_in

pytestmark = pytest.mark.django_db


def issue(api, window, **body):
    return api.post(f"/api/v1/windows/{window.pk}/tickets/", body, format="json")


def test_kiosk_ticket_and_holder_status(api, clock, window_a, items):
    response = issue(api, window_a, item=items["a"].code, phone="13912345678")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == "A001" and body["position"] == 0
    assert body["estimated_wait_minutes"] == 0
    state = api.get(f"/api/v1/tickets/{body['id']}/", {"token": body["token"]})
    assert state.status_code == 200
    assert state.json()["status"] == "waiting" and state.json()["counter"] is None
    assert api.get(f"/api/v1/tickets/{body['id']}/", {"token": "x" * 32}).status_code == 404
    assert api.get(f"/api/v1/tickets/{body['id']}/").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"item": "NOPE"},
        {"item": "X", "reference": "Y"},
        {"reference": "NOSUCHREF"},
        {"item": "TM-REG", "phone": "123"},
        {"item": "TM-REG\x00"},
        {"item": ["a"]},
    ],
)
def test_kiosk_bad_bodies_are_400(api, clock, window_a, items, body):
    response = issue(api, window_a, **body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"


def test_quota_and_admission_are_409(api, clock, window_a, items, settings):
    settings.HALL_WALK_IN_QUOTA = 1
    assert issue(api, window_a, item=items["a"].code).status_code == 201
    response = issue(api, window_a, item=items["a"].code)
    assert response.status_code == 409 and response.json()["code"] == "quota_used"
    settings.HALL_WALK_IN_QUOTA = 10
    clock.move_to(clock_time(17, 0))
    response = issue(api, window_a, item=items["a"].code)
    assert response.status_code == 409 and response.json()["code"] == "admission_closed"


def clock_time(hour, minute):
    from .conftest import MORNING

    return MORNING.replace(hour=hour, minute=minute)


def test_queue_has_no_personal_data(api, clock, window_a, items, counters, clerks):
    issue(api, window_a, item=items["a"].code, phone="13912345678")
    issue(api, window_a, item=items["b"].code)
    services.call_next(counters[0], clerks[0])
    body = api.get(f"/api/v1/windows/{window_a.pk}/queue/").json()
    assert body["calls"][0]["number"] == "A001" and body["calls"][0]["counter"] == 1
    assert body["waiting"] == {"B": 1}
    assert "1391234" not in str(body)


def test_counter_sign_in_call_next_and_actions(api, clock, window_a, items, staff_a):
    counter = CounterFactory(window=window_a, number=5)
    api.force_authenticate(staff_a)
    url = f"/api/v1/counters/{counter.pk}/"
    assert api.post(url + "call-next/").status_code == 403  # not signed in there
    assert api.post(url + "sign-in/").status_code == 200
    assert api.post(url + "call-next/").status_code == 204  # nobody waits
    issue(api, window_a, item=items["a"].code)
    response = api.post(url + "call-next/")
    assert response.status_code == 200 and response.json()["number"] == "A001"
    pk = response.json()["id"]
    assert api.post(f"/api/v1/tickets/{pk}/finish/").status_code == 409  # not started
    assert api.post(f"/api/v1/tickets/{pk}/start/", {}, format="json").status_code == 400
    person = {"name": "王小明", "phone": "13812345678", "id_type": "other", "id_number": "E1234567"}
    response = api.post(f"/api/v1/tickets/{pk}/start/", person, format="json")
    assert response.status_code == 200 and response.json()["case"]
    response = api.post(f"/api/v1/tickets/{pk}/finish/", {"complete": True}, format="json")
    assert response.json()["status"] == "done"
    assert api.post(f"/api/v1/tickets/{pk}/bogus/").status_code == 404
    assert api.post(url + "sign-out/").status_code == 200


def test_one_counter_per_clerk_and_one_clerk_per_counter(api, clock, window_a, staff_a):
    first, second = CounterFactory(window=window_a), CounterFactory(window=window_a)
    colleague = StaffMembershipFactory(window=window_a).user
    signed_in(first, colleague)
    api.force_authenticate(staff_a)
    response = api.post(f"/api/v1/counters/{first.pk}/sign-in/")
    assert response.status_code == 409 and response.json()["code"] == "counter_taken"
    assert api.post(f"/api/v1/counters/{second.pk}/sign-in/").status_code == 200
    third = CounterFactory(window=window_a)
    response = api.post(f"/api/v1/counters/{third.pk}/sign-in/")
    assert response.status_code == 409 and response.json()["code"] == "already_signed_in"


def test_a_clerk_of_window_b_cannot_see_or_move_a_tickets(
    api, clock, window_a, items, staff_b, bureau, counters, clerks
):
    ticket = services.issue_walk_in(window_a, items["a"])
    services.call_next(counters[0], clerks[0])
    for user in (staff_b, bureau):
        api.force_authenticate(user)
        for action in ("recall", "no-show", "start", "finish", "transfer"):
            assert api.post(f"/api/v1/tickets/{ticket.pk}/{action}/").status_code == 404
        assert api.post(f"/api/v1/counters/{counters[1].pk}/sign-in/").status_code == 404
        assert api.post(f"/api/v1/counters/{counters[0].pk}/call-next/").status_code == 404
    api.force_authenticate(staff_b)
    assert api.get(f"/api/v1/windows/{window_a.pk}/counters/").status_code == 404
    api.force_authenticate(None)
    assert api.post(f"/api/v1/tickets/{ticket.pk}/recall/").status_code in (401, 403)
    assert Ticket.objects.get(pk=ticket.pk).recalls == 0


def test_counters_list_and_create(api, window_a, items, staff_a, bureau):
    api.force_authenticate(staff_a)
    url = f"/api/v1/windows/{window_a.pk}/counters/"
    assert api.get(url).json() == []
    body = {"number": 4, "label": "4号窗口", "items": [items["b"].code]}
    assert api.post(url, body, format="json").status_code == 403  # staff, not supervisor
    staff_a.memberships.update(role=Role.SUPERVISOR)
    response = api.post(url, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["items"] == [items["b"].code]
    assert api.post(url, body, format="json").status_code == 400  # number taken
    api.force_authenticate(bureau)
    response = api.post(url, {"number": 5}, format="json")
    assert response.status_code == 201
    assert Counter.objects.filter(window=window_a).count() == 2


@pytest.mark.parametrize("payload", ["[1, 2]", '"text"', "3", "null"])
def test_bodies_that_are_not_objects_are_400(api, clock, window_a, items, bureau, payload):
    response = api.post(
        f"/api/v1/windows/{window_a.pk}/tickets/", payload, content_type="application/json"
    )
    assert response.status_code == 400
    api.force_authenticate(bureau)
    response = api.post(
        f"/api/v1/windows/{window_a.pk}/counters/", payload, content_type="application/json"
    )
    assert response.status_code == 400


def test_action_bodies_that_are_not_objects_are_400(api, clock, window_a, items, counters, clerks):
    services.issue_walk_in(window_a, items["a"])
    ticket = services.call_next(counters[0], clerks[0])
    api.force_authenticate(clerks[0])
    for action in ("start", "transfer"):
        response = api.post(
            f"/api/v1/tickets/{ticket.pk}/{action}/", "[1]", content_type="application/json"
        )
        assert response.status_code == 400


def test_tickets_per_address_are_limited(api, client, clock, window_a, items, settings):
    settings.HALL_TICKET_RATE_LIMIT = "2/m"
    url = f"/api/v1/windows/{window_a.pk}/tickets/"
    assert api.post(url, {"item": items["a"].code}, format="json").status_code == 201
    assert (
        client.post(f"/windows/{window_a.pk}/kiosk/", {"item": items["a"].code}).status_code == 200
    )
    response = api.post(url, {"item": items["a"].code}, format="json")
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    assert (
        client.post(f"/windows/{window_a.pk}/kiosk/", {"item": items["a"].code}).status_code == 429
    )


def test_call_next_while_a_ticket_is_in_front_is_409(api, clock, window_a, items, staff_a):
    counter = CounterFactory(window=window_a, number=6)
    services.sign_in(counter, staff_a)
    api.force_authenticate(staff_a)
    for _ in range(2):
        issue(api, window_a, item=items["a"].code)
    url = f"/api/v1/counters/{counter.pk}/call-next/"
    first = api.post(url).json()
    for step in (None, "start"):
        if step:
            person = {"name": "王小明", "phone": "13812345678", "id_type": "other"}
            person["id_number"] = "E1234567"
            started = api.post(f"/api/v1/tickets/{first['id']}/start/", person, format="json")
            assert started.status_code == 200
        refused = api.post(url)
        assert refused.status_code == 409 and refused.json()["code"] == "counter_busy"
        assert "A001 号仍在本窗口" in refused.json()["message"]  # Chinese by default
    assert Ticket.objects.filter(status="waiting").count() == 1  # A002 still waits
    with translation.override("en"), pytest.raises(CounterBusy, match="A001 is still at this"):
        services.call_next(counter, staff_a)
    api.post(f"/api/v1/tickets/{first['id']}/finish/", {}, format="json")
    assert api.post(url).json()["number"] == "A002"


def test_holder_cancels_a_waiting_ticket(
    api, clock, window_a, items, counters, clerks, django_capture_on_commit_callbacks
):
    first = issue(api, window_a, item=items["a"].code).json()
    second = issue(api, window_a, item=items["a"].code).json()
    issue(api, window_a, item=items["b"].code)
    assert second["position"] == 1
    assert api.get(f"/api/v1/windows/{window_a.pk}/queue/").json()["waiting"] == {"A": 2, "B": 1}
    url = f"/api/v1/tickets/{first['id']}/cancel/"
    # A wrong token, no token, another ticket's token: 404, as for no ticket at all.
    for body in ({"token": "x" * 32}, {}, {"token": second["token"]}, {"token": 5}):
        assert api.post(url, body, format="json").status_code == 404
    unknown = api.post("/api/v1/tickets/999999/cancel/", {"token": "x"}, format="json")
    assert unknown.status_code == 404
    with django_capture_on_commit_callbacks(execute=True):  # the display's snapshot forgotten
        response = api.post(url, {"token": first["token"]}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    ticket = Ticket.objects.get(pk=first["id"])
    assert ticket.status == "cancelled"
    assert list(ticket.events.values_list("action", flat=True)) == ["issue", "cancel"]
    # Out of the queue: nobody ahead of the second, the display counts one A less.
    state = api.get(f"/api/v1/tickets/{second['id']}/", {"token": second["token"]}).json()
    assert state["position"] == 0
    assert api.get(f"/api/v1/windows/{window_a.pk}/queue/").json()["waiting"] == {"A": 1, "B": 1}
    # Twice: 409. A called ticket: 409 too.
    again = api.post(url, {"token": first["token"]}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "wrong_state"
    assert services.call_next(counters[0], clerks[0]).pk == second["id"]
    called = api.post(
        f"/api/v1/tickets/{second['id']}/cancel/", {"token": second["token"]}, format="json"
    )
    assert called.status_code == 409
    assert Ticket.objects.get(pk=second["id"]).status == "called"
    # Not a no-show in the figures; still a ticket issued.
    from hall import stats
    from ipservice import dates

    figures = stats.figures(*dates.day_bounds(dates.today()))
    assert figures["ticket_no_shows"] == 0 and figures["tickets"] == 3
