"""Issue 14 end to end, in real Chromium, against the portal served as in production (`site`,
`visit` in tests/conftest.py): a person applies online with files on a phone, the clerk returns
one material, the person corrects it through the status link, the clerk accepts, posts the
result with a tracking number and records the delivery, and the person rates it."""

from pathlib import Path

import pytest
from django.conf import settings

from applications.models import Application, Submission
from appointments.models import Notice
from reviews.models import Rating
from tests.browser import journeys as steps
from tests.production import DESK_SCREEN, PASSWORD, with_server_password
from tests.windows.factories import StaffMembershipFactory, UserFactory

from . import samples
from .conftest import ID_NUMBER, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


def submit(page, selector="main form button[type=submit]"):
    page.locator(selector).first.click()
    page.wait_for_load_state()


def files_for(tmp_path):
    pdf = tmp_path / "申请表.pdf"
    pdf.write_bytes(samples.pdf_bytes())
    photo = tmp_path / "身份证.jpg"
    photo.write_bytes(samples.image_bytes())
    fixed = tmp_path / "身份证-清晰.jpg"
    fixed.write_bytes(samples.image_bytes(size=(80, 60)))
    return pdf, photo, fixed


def link_path(template):
    body = Notice.objects.filter(template=template).latest("created_at").body
    return body[body.index("/", body.index("://") + 3) :].split()[0]


@pytest.fixture
def server_files():
    """The server stores the files under its own APPLICATION_FILES_ROOT (the test process's
    `private_root` does not reach it): delete this test's once it is over, and the folders
    made for them."""
    root = Path(settings.APPLICATION_FILES_ROOT)
    made = [folder for folder in (root, root.parent) if not folder.exists()]
    yield
    for name in Submission.objects.exclude(file="").values_list("file", flat=True):
        path = root / name
        path.unlink(missing_ok=True)
        folder = path.parent
        while folder != root and folder.is_relative_to(root) and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    for folder in made:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def test_apply_correct_accept_post_complete_and_rate(
    visit, item, materials, window_a, tmp_path, server_files
):
    clerk = with_server_password(
        StaffMembershipFactory(window=window_a, user=UserFactory(username="clerk")).user
    )
    pdf, photo, fixed = files_for(tmp_path)

    # On a phone, in Chinese; the served portal asks for the SMS code (PHONE_VERIFICATION).
    person = visit()
    person.set_default_timeout(15_000)
    person.goto(f"/catalog/{item.code}/")
    person.locator(f'a[href="/apply/{item.code}/"]').click()
    person.wait_for_load_state()
    person.fill('input[name="name"]', "张三")
    person.fill('input[name="phone"]', PHONE)
    steps.send_code(person, PHONE, steps.CHINESE["send_code"], steps.CHINESE["code"])
    person.select_option('select[name="id_type"]', "resident_id")
    person.fill('input[name="id_number"]', ID_NUMBER)
    person.select_option('select[name="window"]', str(window_a.pk))
    person.set_input_files(f'input[name="material_{materials[0].pk}"]', str(pdf))
    person.set_input_files(f'input[name="material_{materials[1].pk}"]', str(photo))
    person.check('input[name="delivery"][value="post"]')
    person.fill('input[name="address"]', "上海市徐汇区漕溪北路1号")
    assert steps.fits_the_screen(person)
    submit(person, "form.apply-form button[type=submit]:not([name=send_code])")
    reference = person.locator(".reference").inner_text().strip()
    application = Application.objects.get()
    assert reference == application.reference
    assert "?token=" not in person.url

    # The clerk asks for one material again, with the reason.
    staff = visit(screen=DESK_SCREEN)
    staff.set_default_timeout(15_000)
    steps.log_in(staff, clerk, PASSWORD, next_path="/staff/applications/")
    staff.locator(f'a[href="/staff/applications/{application.pk}/"]').click()
    staff.wait_for_load_state()
    staff.fill(f'input[name="reason_{materials[1].pk}"]', "照片不清晰，请重新拍摄")
    submit(staff, 'form[action$="/return/"] button[type=submit]')
    application.refresh_from_db()
    assert application.status == "correction"

    # The person opens the link of the SMS on the phone and uploads the correction.
    person.goto(link_path("application_returned"))
    assert "照片不清晰" in person.content()
    person.set_input_files(f'input[name="material_{materials[1].pk}"]', str(fixed))
    submit(person, "main form button[type=submit]")
    application.refresh_from_db()
    assert application.status == "prereview"
    assert Submission.objects.filter(material=materials[1]).count() == 2

    # Accepted, posted with a tracking number, delivered.
    staff.reload()
    submit(staff, 'form[action$="/accept/"] button[type=submit]')
    staff.fill('input[name="courier"]', "中国邮政EMS")
    staff.fill('input[name="tracking"]', "EA123456789CN")
    submit(staff, 'form[action$="/ship/"] button[type=submit]')
    person.reload()
    assert "EA123456789CN" in person.locator(".tracking").inner_text()
    assert "EA123456789CN" in Notice.objects.get(template="application_sent").body
    assert "EA123456789CN" in steps.sms_to(PHONE, "EA123456789CN")  # sent by the worker
    submit(staff, 'form[action$="/complete/"] button[type=submit]')
    application.refresh_from_db()
    assert application.status == "done" and application.case.status == "completed"

    # The invitation to rate follows, as for a case at the window.
    person.goto(link_path("review_invite"))
    person.check('input[name="score"][value="5"]')
    if person.locator('input[name="attitude"][value="5"]').count():
        person.check('input[name="attitude"][value="5"]')
    submit(person)
    rating = Rating.objects.get(case=application.case)
    assert rating.score == 5
