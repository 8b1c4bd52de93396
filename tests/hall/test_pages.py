"""The hall's pages: kiosk, status link, display, the clerk's counter page and the rating pad."""

import re

import pytest

from appointments.constants import Status
from appointments.models import Case
from hall import pads, services
from hall.models import Ticket
from reviews.models import Rating
from tests.windows.factories import StaffMembershipFactory
from windows.constants import Role

from .factories import CounterFactory

pytestmark = pytest.mark.django_db

PERSON = {"name": "王小明", "phone": "13812345678", "id_type": "other", "id_number": "E1234567"}


def test_kiosk_prints_a_ticket_with_its_status_link(client, clock, window_a, items):
    page = client.get(f"/windows/{window_a.pk}/kiosk/")
    assert page.status_code == 200 and items["a"].code in page.content.decode()
    response = client.post(f"/windows/{window_a.pk}/kiosk/", {"item": items["a"].code})
    html = response.content.decode()
    assert response.status_code == 200 and "A001" in html
    assert response["Cache-Control"] == "no-store"
    qr = re.search(r'src="(/tickets/\d+/qr\.png\?token=[0-9a-f]+)"', html).group(1)
    image = client.get(qr)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    # The status link: the token goes into a cookie, the address loses it.
    ticket = Ticket.objects.get()
    link = f"/tickets/{ticket.pk}/?token={services.ticket_token(ticket)}"
    first = client.get(link)
    assert first.status_code == 303 and "token" not in first["Location"]
    status = client.get(first["Location"])
    assert status.status_code == 200 and "A001" in status.content.decode()
    assert "no-store" in status["Cache-Control"]
    client.cookies.clear()
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404
    assert client.get(f"/tickets/{ticket.pk}/?token=nope").status_code == 404


def test_kiosk_refusals_are_shown(client, clock, window_a, items, settings):
    settings.HALL_WALK_IN_QUOTA = 0
    response = client.post(f"/windows/{window_a.pk}/kiosk/", {"item": items["a"].code})
    assert response.status_code == 400
    assert "Today" in response.content.decode() or "今日" in response.content.decode()
    response = client.post(f"/windows/{window_a.pk}/kiosk/", {"reference": "NOPE"})
    assert response.status_code == 400


def test_display_page_has_no_inline_script(client, window_a):
    html = client.get(f"/windows/{window_a.pk}/display/").content.decode()
    assert "hall/display.js" in html and "<script>" not in html and "style=" not in html


def test_counter_page_day_for_the_clerk(client, clock, window_a, items, staff_a, staff_b):
    counter = CounterFactory(window=window_a, number=7)
    services.issue_walk_in(window_a, items["a"], phone="13900001111")
    client.force_login(staff_b)
    assert client.get(f"/staff/counters/{counter.pk}/").status_code == 404
    client.force_login(staff_a)
    base = f"/staff/counters/{counter.pk}/"
    page = client.get(base).content.decode()
    assert "139****1111" in page and "13900001111" not in page  # masked in the list
    client.post(base + "sign-in/")
    client.post(base + "call-next/")
    ticket = Ticket.objects.get()
    assert ticket.status == "called"
    bad = client.post(f"/staff/tickets/{ticket.pk}/start/", {"name": ""})
    assert bad.status_code == 400
    client.post(f"/staff/tickets/{ticket.pk}/start/", PERSON)
    client.post(f"/staff/tickets/{ticket.pk}/finish/", {"complete": "on"})
    ticket.refresh_from_db()
    assert ticket.status == "done"
    assert Case.objects.get(pk=ticket.case_id).status == Status.COMPLETED


def test_pad_rates_only_its_counters_last_case(client, clock, window_a, items, staff_a):
    counter = CounterFactory(window=window_a, number=1)
    other = CounterFactory(window=window_a, number=2)
    colleague = StaffMembershipFactory(window=window_a).user
    for desk, clerk in ((counter, staff_a), (other, colleague)):
        services.sign_in(desk, clerk)
        services.issue_walk_in(window_a, items["a"])
        ticket = services.call_next(desk, clerk)
        services.start(ticket, clerk, PERSON)
        services.finish(ticket, clerk, complete=True)
    mine = Ticket.objects.get(counter=counter)
    theirs = Ticket.objects.get(counter=other)
    pads.new_pad_key(counter)
    url = f"/counters/{counter.pk}/pad/"
    assert client.get(url).status_code == 404  # not a pad yet
    opened = client.get(f"{url}?token={pads.pad_token(counter)}")
    assert opened.status_code == 303
    page = client.get(url).content.decode()
    assert f'value="{mine.case_id}"' in page
    # The other counter's case: refused.
    assert client.post(url, {"case": theirs.case_id, "score": 5}).status_code == 409
    done = client.post(url, {"case": mine.case_id, "score": 4})
    assert done.status_code == 200
    rating = Rating.objects.get()
    assert rating.case_id == mine.case_id and rating.channel == "pad" and rating.score == 4
    assert client.post(url, {"case": mine.case_id, "score": 1}).status_code == 409  # once
    # A minute later the pad offers nothing.
    clock.shift(61)
    assert "data-pad-waiting" in client.get(url).content.decode()
    # A new pad key signs this pad out.
    pads.new_pad_key(counter)
    assert client.get(url).status_code == 404


def test_supervisor_makes_a_pad_link(client, window_a, staff_a):
    counter = CounterFactory(window=window_a)
    staff_a.memberships.update(role=Role.SUPERVISOR)
    client.force_login(staff_a)
    response = client.post(f"/staff/counters/{counter.pk}/new-pad/", follow=True)
    assert "data-pad-link" in response.content.decode()


def test_clerk_checks_a_booking_in_and_marks_a_priority(client, clock, window_a, items, staff_a):
    from tests.appointments.factories import CaseFactory

    from .conftest import MORNING

    counter = CounterFactory(window=window_a, number=8)
    services.sign_in(counter, staff_a)
    walk_in = services.issue_walk_in(window_a, items["a"])
    case = CaseFactory(booking=True, window=window_a, item=items["a"], start=MORNING)
    client.force_login(staff_a)
    client.post(f"/staff/counters/{counter.pk}/check-in/", {"reference": case.reference})
    booked = Ticket.objects.get(case=case)
    assert booked.booked and Case.objects.get(pk=case.pk).status == Status.CHECKED_IN
    client.post(f"/staff/tickets/{walk_in.pk}/priority/", {"reason": "elderly"})
    walk_in.refresh_from_db()
    assert walk_in.priority and walk_in.rank == 0
    assert services.call_next(counter, staff_a).pk == walk_in.pk
