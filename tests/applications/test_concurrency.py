"""Two clerks pressing "accept" at the same moment: one wins, the other is told the state has
changed, and there is one case (the application's row is locked while it moves)."""

import threading

import pytest
from django.db import connection

from applications import files, services
from applications.exceptions import WrongState
from appointments.models import Case
from tests.windows.factories import StaffMembershipFactory

from .conftest import jpg, pdf, person

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_clerks_accept_at_once(item, window_a, materials, staff_a):
    other = StaffMembershipFactory(window=window_a).user
    clean = {materials[0]: files.check(pdf()), materials[1]: files.check(jpg())}
    application = services.submit(item=item, window=window_a, person=person(), files=clean)
    barrier = threading.Barrier(2)
    outcomes = []

    def accept(user):
        try:
            barrier.wait()
            services.accept(application, user)
            outcomes.append("accepted")
        except WrongState:
            outcomes.append("wrong_state")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(u,)) for u in (staff_a, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["accepted", "wrong_state"]
    assert Case.objects.count() == 1
    application.refresh_from_db()
    assert application.case is not None and application.events.count() == 2
