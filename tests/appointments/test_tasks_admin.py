"""The Notice and SMS outbox admin: read-only, recipients masked, tokens hidden, and the action
that retries failed notices."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission

from appointments.constants import NoticeChannel, NoticeStatus
from appointments.models import Notice, SmsOutbox
from tests.windows.factories import UserFactory

pytestmark = pytest.mark.django_db

NOTICES = "/admin/appointments/notice/"
TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def root(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def notice(key, channel=NoticeChannel.SMS, recipient="13812345678", **extra):
    fields = {"template": "booked", "body": f"预约成功 https://x/booking/YY1/?token={TOKEN}"}
    return Notice.objects.create(key=key, channel=channel, recipient=recipient, **fields | extra)


def test_the_list_masks_every_recipient(root, django_assert_num_queries):
    for n in range(5):
        notice(f"sms{n}", recipient=f"1381234{n:04d}")
        notice(f"mail{n}", NoticeChannel.EMAIL, recipient=f"zhang{n}@example.com")
    # Session, user, count of the filtered and of all notices, the page of notices, the
    # template filter's choices: the same for 10 notices or 10,000.
    with django_assert_num_queries(6):
        page = root.get(NOTICES).content.decode()
    assert "138****0000" in page and "13812340000" not in page
    assert "z***@example.com" in page and "zhang0@example.com" not in page


def test_filters_by_status_channel_and_template(root):
    notice("a", status=NoticeStatus.FAILED)
    notice("b", NoticeChannel.EMAIL, recipient="li@example.com", template="remind")
    assert root.get(f"{NOTICES}?status=failed").context["cl"].result_count == 1
    assert root.get(f"{NOTICES}?channel=email").context["cl"].result_count == 1
    assert root.get(f"{NOTICES}?template=remind").context["cl"].result_count == 1


def test_notices_are_read_only_and_hide_the_manage_token(root):
    item = notice("a")
    assert root.get(f"{NOTICES}add/").status_code == 403
    page = root.get(f"{NOTICES}{item.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert TOKEN not in content and "138****5678" in content
    assert 'name="_save"' not in content
    root.post(f"{NOTICES}{item.pk}/change/", {"recipient": "13900000000", "status": "sent"})
    item.refresh_from_db()
    assert (item.recipient, item.status) == ("13812345678", NoticeStatus.QUEUED)
    assert root.post(f"{NOTICES}{item.pk}/delete/").status_code == 403


def test_retrying_failed_notices_sends_them_again(root, django_capture_on_commit_callbacks):
    failed = notice("a", status=NoticeStatus.FAILED, attempts=6, error="SmsRejected: 400")
    sent = notice("b", status=NoticeStatus.SENT, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = root.post(
            NOTICES,
            {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )
    assert response.status_code == 200
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (NoticeStatus.SENT, 1)
    assert SmsOutbox.objects.count() == 1  # the one already sent is not sent again
    assert LogEntry.objects.filter(object_id=str(failed.pk)).exists()


def test_only_staff_allowed_to_change_notices_may_retry(client):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_notice"))
    client.force_login(viewer)
    failed = notice("a", status=NoticeStatus.FAILED)
    page = client.get(NOTICES)
    assert page.status_code == 200
    assert "retry_failed" not in page.content.decode()
    client.post(NOTICES, {"action": "retry_failed", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == NoticeStatus.FAILED


def test_the_outbox_masks_phones_and_tokens(root):
    SmsOutbox.objects.create(phone="13812345678", body=f"预约成功 ?token={TOKEN}")
    page = root.get("/admin/appointments/smsoutbox/").content.decode()
    assert "138****5678" in page
    assert "13812345678" not in page and TOKEN not in page
