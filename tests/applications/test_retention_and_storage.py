"""Files are never public (no MEDIA_URL or static address serves them) and are deleted after
the retention period, the record staying (issue 14)."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from applications import services, tasks
from applications.models import Application, Submission
from appointments.constants import Status as CaseStatus

from .conftest import jpg, pdf, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(item, window_a, materials):
    from applications import files

    clean = {materials[0]: files.check(pdf()), materials[1]: files.check(jpg())}
    return services.submit(item=item, window=window_a, person=person(), files=clean)


def test_files_live_under_the_private_root_with_random_names(application, private_root):
    for submission in Submission.objects.filter(application=application):
        path = private_root / submission.file.name
        assert path.is_file()
        assert submission.original_name not in submission.file.name


def test_the_default_private_root_is_outside_every_public_one():
    root = settings.APPLICATION_FILES_ROOT.resolve()
    for public in (settings.MEDIA_ROOT, settings.STATIC_ROOT, *settings.STATICFILES_DIRS):
        assert not root.is_relative_to(public.resolve())


def test_no_file_is_reachable_at_a_public_address(client, application):
    for submission in Submission.objects.filter(application=application):
        name = submission.file.name
        for prefix in (f"/{settings.MEDIA_URL}", f"/{settings.STATIC_URL}", "/", "/private/"):
            assert client.get(f"{prefix}{name}").status_code == 404
            assert client.get(f"{prefix}applications/{name}").status_code == 404


def test_retention_deletes_the_files_and_keeps_the_record(
    application, staff_a, private_root, django_capture_on_commit_callbacks
):
    services.accept(application, staff_a)
    application.refresh_from_db()
    services.complete(application, staff_a)
    paths = [private_root / s.file.name for s in application.submissions.all()]
    assert all(p.is_file() for p in paths)

    assert tasks.purge_expired_files() == 0  # closed today: kept
    later = timezone.now() + dt.timedelta(days=settings.APPLICATION_RETENTION_DAYS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.purge_expired_files(now=later) == 1
    assert not any(p.exists() for p in paths)
    application.refresh_from_db()
    assert application.files_purged_at and application.case.status == CaseStatus.COMPLETED
    assert all(not s.file and s.original_name for s in application.submissions.all())
    assert application.events.last().action == "purge"
    assert tasks.purge_expired_files(now=later) == 0  # once


def test_open_applications_keep_their_files(application):
    later = timezone.now() + dt.timedelta(days=10 * settings.APPLICATION_RETENTION_DAYS)
    assert tasks.purge_expired_files(now=later) == 0
    assert Application.objects.get(pk=application.pk).files_purged_at is None


def test_rejected_applications_lose_their_files_too(
    application, staff_a, private_root, django_capture_on_commit_callbacks
):
    services.reject(application, staff_a, "不符合")
    later = timezone.now() + dt.timedelta(days=settings.APPLICATION_RETENTION_DAYS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.purge_expired_files(now=later) == 1
    assert not any(private_root.rglob("*.pdf"))
