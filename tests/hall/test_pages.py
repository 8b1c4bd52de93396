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


def test_counter_page_offers_no_next_while_a_ticket_is_in_front(
    client, clock, window_a, items, staff_a
):
    counter = CounterFactory(window=window_a, number=4)
    for _ in range(2):
        services.issue_walk_in(window_a, items["a"])
    client.force_login(staff_a)
    base = f"/staff/counters/{counter.pk}/"
    client.post(base + "sign-in/")
    assert "data-call-next" in client.get(base).content.decode()
    client.post(base + "call-next/")
    page = client.get(base).content.decode()
    assert "data-current-number" in page and "A001" in page
    assert "data-call-next" not in page and "data-counter-busy" in page
    # The POST anyway (an old tab, a double click): refused with the message on the page.
    refused = client.post(base + "call-next/", follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 200
    assert "A001 号仍在本窗口" in refused.content.decode()
    assert list(Ticket.objects.values_list("status", flat=True)) == ["called", "waiting"]
    client.post(f"/staff/tickets/{Ticket.objects.get(status='called').pk}/no-show/")
    page = client.get(base).content.decode()
    assert "data-call-next" in page and "data-counter-busy" not in page


def test_holder_cancels_from_the_status_page(client, clock, window_a, items):
    ticket = services.issue_walk_in(window_a, items["a"])
    behind = services.issue_walk_in(window_a, items["a"])
    page_url = f"/tickets/{ticket.pk}/"
    cancel_url = f"/tickets/{ticket.pk}/cancel/"
    # No cookie, a wrong token: the same 404 as for no ticket.
    assert client.get(cancel_url).status_code == 404
    assert client.post(cancel_url).status_code == 404
    assert client.get(cancel_url + "?token=nope").status_code == 404
    client.get(f"{page_url}?token={services.ticket_token(ticket)}")  # the QR's link: a cookie
    page = client.get(page_url).content.decode()
    assert f'href="{cancel_url}"' in page
    confirm = client.get(cancel_url)
    html = confirm.content.decode()
    assert confirm.status_code == 200 and "no-store" in confirm["Cache-Control"]
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html and "<script>" not in html
    assert Ticket.objects.get(pk=ticket.pk).status == "waiting"  # asking changes nothing
    done = client.post(cancel_url, follow=True)
    assert done.redirect_chain[-1][0] == page_url
    ticket.refresh_from_db()
    assert ticket.status == "cancelled"
    assert ticket.events.filter(action="cancel", actor=None).count() == 1
    html = done.content.decode()
    assert "已取消" in html and f'href="{cancel_url}"' not in html
    # Not waiting any more: the page sends the holder back with a message.
    again = client.post(cancel_url, follow=True)
    assert "不能再取消" in again.content.decode()
    assert services.waiting.ahead_count(behind) == 0
    # The cookie of one ticket opens no other.
    assert client.get(f"/tickets/{behind.pk}/cancel/").status_code == 404


def test_csrf_protects_the_cancel_form(clock, window_a, items):
    from django.test import Client

    ticket = services.issue_walk_in(window_a, items["a"])
    browser = Client(enforce_csrf_checks=True)
    browser.get(f"/tickets/{ticket.pk}/?token={services.ticket_token(ticket)}")
    assert browser.post(f"/tickets/{ticket.pk}/cancel/").status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).status == "waiting"


def test_a_booked_holder_cancels_and_the_case_shows_it(client, clock, window_a, items):
    from appointments.models import CaseEvent
    from tests.appointments.factories import CaseFactory

    from .conftest import MORNING

    case = CaseFactory(booking=True, window=window_a, item=items["a"], start=MORNING)
    ticket = services.issue_for_booking(window_a, case.reference)
    client.get(f"/tickets/{ticket.pk}/?token={services.ticket_token(ticket)}")
    client.post(f"/tickets/{ticket.pk}/cancel/")
    assert Ticket.objects.get(pk=ticket.pk).status == "cancelled"
    notes = list(CaseEvent.objects.filter(case=case).values_list("note", flat=True))
    assert any(ticket.number in note for note in notes[-1:])
    # Not a no-show: the case is still checked in (a new ticket can be taken today).
    assert Case.objects.get(pk=case.pk).status == Status.CHECKED_IN
    assert services.issue_for_booking(window_a, case.reference).pk != ticket.pk
