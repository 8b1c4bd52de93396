"""The demo online applications of manage.py seed_demo (applications/demo.py): one in each
state, with small valid files in the private storage, made once; and seed_demo on SQLite
without Redis, as `make run` on a bare machine."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import translation
from PIL import Image
from pypdf import PdfReader

from applications import services
from applications.constants import Action, Delivery, Review, Status
from applications.forms import windows_for
from applications.models import Application, Submission
from appointments.constants import Channel as CaseChannel
from appointments.constants import Status as CaseStatus
from appointments.models import Notice
from appointments.validators import resident_id_check_char

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(tmp_path, *args):
    out = io.StringIO()
    with translation.override("en"):
        call_command("seed_demo", *args, accounts_file=str(tmp_path / "accounts.txt"), stdout=out)
    return out.getvalue()


def by_reference():
    return {a.reference: a for a in Application.objects.select_related("case", "window")}


def test_seed_demo_makes_an_application_in_each_state(tmp_path, fast_passwords, private_root):
    output = seed(tmp_path)
    assert "Demo online applications: 6 new." in output
    demo = by_reference()
    assert sorted(demo) == [f"WBDEMO{n:02d}" for n in range(1, 7)]
    assert all(a.is_demo for a in demo.values())
    states = {ref: (a.status, services.prereview_state(a)) for ref, a in demo.items()}
    assert states == {
        "WBDEMO01": (Status.PREREVIEW, "near_due"),
        "WBDEMO02": (Status.PREREVIEW, "overdue"),
        "WBDEMO03": (Status.CORRECTION, None),
        "WBDEMO04": (Status.ACCEPTED, None),
        "WBDEMO05": (Status.SENT, None),
        "WBDEMO06": (Status.DONE, None),
    }
    # The handling window handles the item online; the people are fictitious.
    for application in demo.values():
        assert application.window in windows_for(application.item)
        number = application.id_number  # a valid checksum, an impossible area code
        assert number[:6] == "999999" and resident_id_check_char(number[:17]) == number[17]
        assert application.phone.startswith("1390001")

    returned = demo["WBDEMO03"]
    [(material, reason)] = services.asked_materials(returned)
    assert reason and returned.corrections == 1
    reviews = {s.material_id: s.review for s in services.current_submissions(returned)}
    assert reviews[material.pk] == Review.CORRECT
    assert set(reviews.values()) == {Review.CORRECT, Review.FINE}

    for reference, case_status in (
        ("WBDEMO04", CaseStatus.ACCEPTED),
        ("WBDEMO05", CaseStatus.ACCEPTED),
        ("WBDEMO06", CaseStatus.COMPLETED),
    ):
        case = demo[reference].case
        assert case.channel == CaseChannel.ONLINE and case.status == case_status
        assert case.is_demo and case.accepted_on and case.promised_due and case.legal_due
    sent = demo["WBDEMO05"]
    assert sent.delivery == Delivery.POST and sent.tracking and sent.courier and sent.address
    assert [e.action for e in demo["WBDEMO06"].events.all()] == [
        Action.SUBMIT,
        Action.ACCEPT,
        Action.SHIP,
        Action.COMPLETE,
    ]
    # No message to the fictitious people.
    assert not Notice.objects.exists()


def test_the_demo_files_are_valid_and_private(tmp_path, fast_passwords, private_root):
    seed(tmp_path)
    submissions = Submission.objects.filter(application__reference="WBDEMO01")
    assert submissions.count() >= 2
    kinds = set()
    for submission in submissions:
        path = Path(submission.file.path)
        assert path.is_relative_to(private_root) and path.stat().st_size == submission.size
        content = path.read_bytes()
        if submission.content_type == "application/pdf":
            assert len(PdfReader(io.BytesIO(content)).pages) == 1
        else:
            assert submission.content_type == "image/png"
            assert Image.open(io.BytesIO(content)).format == "PNG"
        kinds.add(submission.content_type)
    assert kinds == {"application/pdf", "image/png"}


def test_the_demo_shows_on_the_clerks_list_and_the_applicants_page(
    client, tmp_path, fast_passwords
):
    seed(tmp_path)
    application = Application.objects.get(reference="WBDEMO01")
    clerk = application.window.memberships.first().user
    client.force_login(clerk)
    page = client.get("/staff/applications/").content.decode()
    assert "WBDEMO01" in page and "WBDEMO02" in page
    client.logout()
    status_url = f"{services.status_path(application)}?token={services.token(application)}"
    assert client.get(status_url, follow=True).status_code == 200


def test_seed_demo_twice_makes_them_once(tmp_path, fast_passwords, private_root):
    seed(tmp_path)
    counts = {model._meta.label: model.objects.count() for model in apps.get_models()}
    files = sorted(p for p in private_root.rglob("*") if p.is_file())
    due = dict(Application.objects.values_list("reference", "prereview_due"))
    output = seed(tmp_path)
    assert "Demo online applications: 0 new." in output
    assert counts == {model._meta.label: model.objects.count() for model in apps.get_models()}
    assert sorted(p for p in private_root.rglob("*") if p.is_file()) == files
    assert dict(Application.objects.values_list("reference", "prereview_due")) == due


def test_seed_demo_runs_on_sqlite_without_redis(tmp_path):
    """As `make run` on a bare machine: SQLite, no Redis (tasks in-process), files on disk."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REQUIRE_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        REDIS_URL="",
        APPLICATION_FILES_ROOT=str(tmp_path / "private"),
    )

    def manage(*args):
        result = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        # The last line: shell prints its auto-imports first.
        return (result.stdout.strip().splitlines() or [""])[-1]

    manage("migrate", "--no-input", "-v", "0")
    accounts = str(tmp_path / "accounts.txt")
    count = "from django.apps import apps;print(sum(m.objects.count() for m in apps.get_models()))"
    manage("seed_demo", "--accounts-file", accounts)
    rows = manage("shell", "-c", count)
    manage("seed_demo", "--accounts-file", accounts)
    assert manage("shell", "-c", count) == rows  # the second run made nothing
    states = manage(
        "shell",
        "-c",
        "from applications.models import Application;"
        "print(sorted(Application.objects.values_list('reference', 'status', 'is_demo')))",
    )
    assert states == str(
        [
            ("WBDEMO01", "prereview", True),
            ("WBDEMO02", "prereview", True),
            ("WBDEMO03", "correction", True),
            ("WBDEMO04", "accepted", True),
            ("WBDEMO05", "sent", True),
            ("WBDEMO06", "done", True),
        ]
    )
    # Two files or more for each of the six, under the private root given.
    assert len([p for p in (tmp_path / "private").rglob("*") if p.is_file()]) >= 12
