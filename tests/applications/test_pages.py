"""The pages (issue 14): the application form on the item's link, the private status link with
the corrections' upload, the staff list and review page with each action, and who may open what."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from applications import services
from applications.models import Application
from appointments.models import Notice

from . import samples
from .conftest import ID_NUMBER, PHONE, jpg, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


def form_data(window, materials, **changes):
    data = {
        "name": "张三",
        "phone": PHONE,
        "id_type": "resident_id",
        "id_number": ID_NUMBER,
        "email": "",
        "window": str(window.pk),
        "delivery": "window",
        "address": "",
        "notes": "",
        f"material_{materials[0].pk}": pdf(),
        f"material_{materials[1].pk}": jpg(),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def apply(client, item, window, materials, **changes):
    return client.post(f"/apply/{item.code}/", form_data(window, materials, **changes))


def test_the_item_page_links_to_apply_online(client, item, window_a):
    page = client.get(f"/catalog/{item.code}/").content.decode()
    assert f'href="/apply/{item.code}/"' in page


def test_no_link_and_no_form_for_an_item_not_handled_online(client, item, window_a):
    item.channels = ["window"]
    item.save()
    assert f"/apply/{item.code}/" not in client.get(f"/catalog/{item.code}/").content.decode()
    assert client.get(f"/apply/{item.code}/").status_code == 404


def test_the_form_has_one_upload_per_material_as_the_catalog_says(
    client, item, window_a, materials
):
    page = client.get(f"/apply/{item.code}/")
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    for material in materials:
        assert f'name="material_{material.pk}"' in html
    form = page.context["form"]
    assert form.fields[f"material_{materials[0].pk}"].required  # required
    assert not form.fields[f"material_{materials[1].pk}"].required  # tolerable
    assert not form.fields[f"material_{materials[2].pk}"].required  # optional
    assert list(form.fields["window"].queryset) == [window_a]


def test_every_field_names_its_help_and_its_error(client, item, window_a, materials):
    """aria-describedby (Django's <id>_helptext and <id>_error) names elements on the page: the
    help text of each upload and the message of each refused field are read with the field."""
    missing_file = {f"material_{materials[0].pk}": None}
    page = apply(client, item, window_a, materials, phone="12", name="", **missing_file)
    html = page.content.decode()
    assert page.status_code == 200
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    named = {n for v in re.findall(r'aria-describedby="([^"]+)"', html) for n in v.split()}
    upload = f"id_material_{materials[0].pk}"
    assert {"id_name_error", "id_phone_error", f"{upload}_helptext", f"{upload}_error"} <= named
    assert named <= ids


def test_applying_leads_to_the_private_status_page(client, item, window_a, materials):
    answer = apply(client, item, window_a, materials)
    application = Application.objects.get()
    assert answer.status_code == 303
    assert answer["Location"] == f"/apply/status/{application.reference}/"
    assert "token" not in answer["Location"]
    page = client.get(answer["Location"])
    assert page.status_code == 200 and application.reference in page.content.decode()
    assert "no-store" in page["Cache-Control"]


def test_a_bad_file_shows_the_form_again_naming_it(client, item, window_a, materials):
    bad = SimpleUploadedFile("病毒.pdf", samples.ELF)
    answer = apply(client, item, window_a, materials, **{f"material_{materials[0].pk}": bad})
    assert answer.status_code == 200 and "病毒.pdf" in answer.content.decode()
    assert not Application.objects.exists()


def test_by_post_needs_an_address(client, item, window_a, materials):
    answer = apply(client, item, window_a, materials, delivery="post")
    assert answer.status_code == 200 and "address" in answer.context["form"].errors


def test_the_phone_code_is_required_when_verification_is_on(
    client, item, window_a, materials, settings
):
    settings.PHONE_VERIFICATION = True
    answer = apply(client, item, window_a, materials)
    assert "phone_code" in answer.context["form"].errors
    client.post(f"/apply/{item.code}/", {"phone": PHONE, "send_code": "1"})
    code = Notice.objects.get(template="phone_code").body
    digits = "".join(c for c in code if c.isdigit())[:6]
    answer = apply(client, item, window_a, materials, phone_code=digits)
    assert answer.status_code == 303


def test_the_status_link_works_once_exchanged_and_not_for_strangers(
    client, item, window_a, materials
):
    apply(client, item, window_a, materials)
    application = Application.objects.get()
    url = f"/apply/status/{application.reference}/"
    stranger = client.__class__()
    assert stranger.get(url).status_code == 404
    assert stranger.get(url + "?token=wrong").status_code == 404
    link = stranger.get(f"{url}?token={services.token(application)}")
    assert link.status_code == 303 and link["Location"] == url
    assert stranger.get(url).status_code == 200


def test_the_applicant_downloads_their_own_file_only(client, item, window_a, materials):
    apply(client, item, window_a, materials)
    application = Application.objects.get()
    url = f"/apply/status/{application.reference}/files/{materials[0].pk}/"
    answer = client.get(url)
    assert answer.status_code == 200 and answer["Content-Disposition"].startswith("attachment")
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert client.__class__().get(url).status_code == 404


def test_corrections_through_the_status_page(client, item, window_a, materials, staff_a):
    apply(client, item, window_a, materials)
    application = Application.objects.get()
    services.return_for_correction(application, staff_a, {materials[1].pk: "照片模糊"})
    url = f"/apply/status/{application.reference}/"
    page = client.get(url).content.decode()
    assert "照片模糊" in page and f'name="material_{materials[1].pk}"' in page
    answer = client.post(url, {f"material_{materials[1].pk}": jpg("清晰.jpg")})
    assert answer.status_code == 302
    application.refresh_from_db()
    assert application.status == "prereview"


# --- staff ---------------------------------------------------------------------------------


def login(client, user):
    client.force_login(user)
    return client


def submitted(item, window, materials):
    from applications import files

    clean = {materials[0]: files.check(pdf()), materials[1]: files.check(jpg())}
    person = {
        "name": "张三",
        "phone": PHONE,
        "id_type": "resident_id",
        "id_number": ID_NUMBER,
        "email": "",
    }
    return services.submit(item=item, window=window, person=person, files=clean)


def test_the_pre_review_list_shows_near_due_and_overdue(
    client, item, window_a, materials, staff_a, staff_b
):
    application = submitted(item, window_a, materials)
    login(client, staff_a)
    page = client.get("/staff/applications/")
    assert application.reference in page.content.decode()
    assert "张*" in page.content.decode() and "张三" not in page.content.decode()
    assert "badge-ok" in page.content.decode()  # 24 hours to go
    Application.objects.update(prereview_due=timezone.now() + dt.timedelta(hours=1))
    assert "badge-warn" in client.get("/staff/applications/").content.decode()
    Application.objects.update(prereview_due=timezone.now() - dt.timedelta(hours=1))
    assert "badge-bad" in client.get("/staff/applications/").content.decode()
    login(client, staff_b)
    assert application.reference not in client.get("/staff/applications/").content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, item, window_a, materials):
    application = submitted(item, window_a, materials)
    assert client.get("/staff/applications/").status_code == 302
    assert client.get(f"/staff/applications/{application.pk}/").status_code == 302
    answer = client.post(f"/staff/applications/{application.pk}/accept/")
    assert answer.status_code == 302
    application.refresh_from_db()
    assert application.status == "prereview"


def test_the_review_page_and_its_actions(client, item, window_a, materials, staff_a):
    application = submitted(item, window_a, materials)
    login(client, staff_a)
    url = f"/staff/applications/{application.pk}/"
    page = client.get(url).content.decode()
    assert "张三" in page and ID_NUMBER in page  # whole for the handling window
    answer = client.post(url + "return/", {f"reason_{materials[0].pk}": "缺签字"})
    assert answer.status_code == 302
    application.refresh_from_db()
    assert application.status == "correction" and application.corrections == 1


def test_returning_without_any_reason_is_refused(client, item, window_a, materials, staff_a):
    application = submitted(item, window_a, materials)
    login(client, staff_a)
    client.post(f"/staff/applications/{application.pk}/return/", {})
    application.refresh_from_db()
    assert application.status == "prereview"


def test_accept_ship_and_complete_through_the_pages(client, item, window_a, materials, staff_a):
    application = submitted(item, window_a, materials)
    application.delivery, application.address = "post", "上海市某路1号"
    application.save()
    login(client, staff_a)
    base = f"/staff/applications/{application.pk}/"
    client.post(base + "accept/")
    assert client.post(base + "ship/", {"courier": "", "tracking": ""}).status_code == 400
    client.post(base + "ship/", {"courier": "顺丰", "tracking": "SF1234"})
    client.post(base + "complete/")
    application.refresh_from_db()
    assert application.status == "done" and application.tracking == "SF1234"
    assert application.case.status == "completed"


def test_other_windows_and_the_bureau(client, item, window_a, materials, staff_b, bureau):
    application = submitted(item, window_a, materials)
    url = f"/staff/applications/{application.pk}/"
    login(client, staff_b)
    assert client.get(url).status_code == 404
    assert client.post(url + "accept/").status_code == 404
    login(client, bureau)
    page = client.get(url)
    assert page.status_code == 200 and "张*" in page.content.decode()
    assert ID_NUMBER not in page.content.decode()
    assert client.post(url + "accept/").status_code == 403
    application.refresh_from_db()
    assert application.status == "prereview"


def test_the_wrong_method_is_405(client, item, window_a, materials, staff_a):
    application = submitted(item, window_a, materials)
    login(client, staff_a)
    assert client.get(f"/staff/applications/{application.pk}/accept/").status_code == 405


def test_the_pages_are_chinese_by_default(client, item, window_a, materials):
    assert "网上申请" in client.get(f"/catalog/{item.code}/").content.decode()
    page = client.get(f"/apply/{item.code}/").content.decode()
    assert "提交申请" in page and "可先书面承诺，后补交" in page
    bad = SimpleUploadedFile("病毒.pdf", samples.ELF)
    answer = apply(client, item, window_a, materials, **{f"material_{materials[0].pk}": bad})
    assert "文件 病毒.pdf 不是 PDF、JPG、PNG 文件" in answer.content.decode()


def test_the_promised_materials_through_the_status_page(client, item, window_a, materials, staff_a):
    apply(client, item, window_a, materials, **{f"material_{materials[1].pk}": None})
    application = Application.objects.get()
    due = dt.date.today() + dt.timedelta(days=10)
    services.accept_pending(application, staff_a, None, due)
    url = f"/apply/status/{application.reference}/"
    page = client.get(url).content.decode()
    assert "承诺补交的材料" in page and f'name="material_{materials[1].pk}"' in page
    assert client.post(url, {f"material_{materials[1].pk}": jpg()}).status_code == 302
    assert application.events.last().action == "promised"
    assert f'name="material_{materials[1].pk}"' not in client.get(url).content.decode()
