"""Issue 14 end to end, in real Chromium: a person applies online with files on a phone, the
clerk returns one material, the person corrects it through the status link, the clerk accepts,
posts the result with a tracking number and records the delivery, and the person rates it."""

import pytest

from applications.models import Application, Submission
from appointments.models import Notice
from reviews.models import Rating
from tests.windows.factories import StaffMembershipFactory, UserFactory

from . import samples
from .conftest import ID_NUMBER, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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


def test_apply_correct_accept_post_complete_and_rate(
    browser, live_server, item, materials, window_a, tmp_path
):
    clerk = StaffMembershipFactory(window=window_a, user=UserFactory(username="clerk")).user
    pdf, photo, fixed = files_for(tmp_path)

    phone = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740})
    person = phone.new_page()
    person.set_default_timeout(15_000)
    person.goto(f"/catalog/{item.code}/")
    person.locator(f'a[href="/apply/{item.code}/"]').click()
    person.wait_for_load_state()
    person.fill('input[name="name"]', "张三")
    person.fill('input[name="phone"]', PHONE)
    person.select_option('select[name="id_type"]', "resident_id")
    person.fill('input[name="id_number"]', ID_NUMBER)
    person.select_option('select[name="window"]', str(window_a.pk))
    person.set_input_files(f'input[name="material_{materials[0].pk}"]', str(pdf))
    person.set_input_files(f'input[name="material_{materials[1].pk}"]', str(photo))
    person.check('input[name="delivery"][value="post"]')
    person.fill('input[name="address"]', "上海市徐汇区漕溪北路1号")
    assert person.evaluate("document.documentElement.scrollWidth") <= 360
    submit(person, "form.apply-form button[type=submit]")
    application = Application.objects.get()
    assert person.locator(".reference").inner_text().strip() == application.reference
    assert "?token=" not in person.url

    # The clerk asks for one material again, with the reason.
    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    staff = desk.new_page()
    staff.set_default_timeout(15_000)
    staff.goto("/accounts/login/?next=/staff/applications/")
    staff.fill('input[name="username"]', clerk.username)
    staff.fill('input[name="password"]', "pass-word-123")
    submit(staff)
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
    phone.close()
    desk.close()
