"""The applications API (issue 14): the whole flow, bad input, and who may see and move what:
anonymous, a wrong token, staff of another window, the bureau."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications.models import Application, Submission
from appointments.constants import Channel as CaseChannel
from appointments.constants import Status as CaseStatus
from appointments.models import Notice
from reviews.models import Rating

from . import samples
from .conftest import PHONE, body, jpg, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

URL = "/api/v1/applications/"


def submit(api, item, window, materials, /, **changes):
    return api.post(URL, body(item, window, materials, **changes), format="multipart")


@pytest.fixture
def submitted(api, item, window_a, materials):
    answer = submit(api, item, window_a, materials)
    assert answer.status_code == 201, answer.json()
    return answer.json()


def as_user(api, user):
    api.force_authenticate(user)
    return api


def act(api, user, application, action, data=None):
    return as_user(api, user).post(f"{URL}{application.pk}/{action}/", data or {}, format="json")


# --- submitting --------------------------------------------------------------------------------


def test_items_api_lists_each_materials_id(api, item, materials):
    answer = api.get(f"/api/v1/items/{item.code}/").json()
    assert [m["id"] for m in answer["materials"]] == [m.pk for m in materials]


def test_submit_answers_201_with_reference_and_token(api, submitted, materials):
    application = Application.objects.get(reference=submitted["reference"])
    assert submitted["token"] and submitted["status"] == "prereview"
    files = Submission.objects.filter(application=application)
    assert sorted(s.material_id for s in files) == [materials[0].pk, materials[1].pk]
    assert Notice.objects.filter(template="application_received", recipient=PHONE).exists()


def test_the_applicant_sees_every_step_with_the_token(api, submitted):
    url = f"{URL}{submitted['reference']}/?token={submitted['token']}"
    answer = api.get(url).json()
    assert answer["status"] == "prereview"
    assert answer["name"] == "张*" and answer["phone"] == "138****5678"
    assert [e["action"] for e in answer["events"]] == ["submit"]
    assert [m["review"] for m in answer["materials"]] == ["pending", "pending", None]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"item": "nope"}, "item"),
        ({"window": "999999999"}, "window"),
        ({"window": "99999999999999999999999"}, "window"),
        ({"phone": "12345"}, "phone"),
        ({"id_number": "110105194912310021"}, "id_number"),
        ({"address": ""}, "address"),
        ({"name": "张\x00三"}, "name"),
    ],
)
def test_bad_input_is_400_per_field(api, item, window_a, materials, changes, field):
    answer = submit(api, item, window_a, materials, **changes)
    assert answer.status_code == 400 and field in answer.json()["errors"]
    assert not Application.objects.exists()


def test_a_missing_required_material_is_400_naming_it(api, item, window_a, materials):
    answer = submit(api, item, window_a, materials, **{f"material_{materials[0].pk}": None})
    assert answer.status_code == 400
    assert "申请表" in answer.json()["errors"][f"material_{materials[0].pk}"][0]


def test_a_tolerable_material_may_be_missing(api, item, window_a, materials):
    answer = submit(api, item, window_a, materials, **{f"material_{materials[1].pk}": None})
    assert answer.status_code == 201


def test_an_executable_renamed_pdf_is_400_naming_the_file(api, item, window_a, materials):
    bad = SimpleUploadedFile("合同.pdf", samples.ELF)
    answer = submit(api, item, window_a, materials, **{f"material_{materials[0].pk}": bad})
    assert answer.status_code == 400
    assert "合同.pdf" in answer.json()["errors"][f"material_{materials[0].pk}"][0]
    assert not Application.objects.exists() and not Submission.objects.exists()


def test_an_empty_file_is_400_naming_it(api, item, window_a, materials):
    empty = SimpleUploadedFile("空.pdf", b"")
    answer = submit(api, item, window_a, materials, **{f"material_{materials[0].pk}": empty})
    assert "空.pdf" in answer.json()["errors"][f"material_{materials[0].pk}"][0]


def test_too_much_in_all_is_400(api, item, window_a, materials, settings):
    settings.APPLICATION_TOTAL_MAX_MB = 0
    answer = submit(api, item, window_a, materials)
    assert answer.status_code == 400 and "non_field_errors" in answer.json()["errors"]


def test_files_for_other_materials_are_400(api, item, window_a, materials):
    answer = submit(api, item, window_a, materials, material_999999=pdf("x.pdf"))
    assert answer.status_code == 400 and not Application.objects.exists()


def test_two_files_for_one_material_are_400(api, item, window_a, materials):
    data = body(item, window_a, materials)
    data[f"material_{materials[0].pk}"] = [pdf("a.pdf"), pdf("b.pdf")]
    answer = api.post(URL, data, format="multipart")
    assert answer.status_code == 400


def test_a_json_body_is_415(api):
    assert api.post(URL, {"item": "x"}, format="json").status_code == 415


def test_an_item_not_handled_online_is_400(api, item, window_a, materials):
    item.channels = ["window"]
    item.save()
    assert submit(api, item, window_a, materials).status_code == 400


def test_a_window_not_offering_the_item_is_400(api, item, window_a, materials):
    window_a.items.clear()
    answer = submit(api, item, window_a, materials)
    assert answer.status_code == 400 and "window" in answer.json()["errors"]


# --- the whole flow ------------------------------------------------------------------------------


def test_the_whole_flow(api, submitted, staff_a, materials, time_machine):
    application = Application.objects.get(reference=submitted["reference"])
    returned = act(api, staff_a, application, "return", {"materials": {materials[1].pk: "看不清"}})
    assert returned.status_code == 200, returned.json()
    assert returned.json()["status"] == "correction"
    note = Notice.objects.get(template="application_returned")
    assert "身份证明" in note.body and "看不清" in note.body

    api.force_authenticate(None)
    token = submitted["token"]
    wrong = api.post(
        f"{URL}{application.reference}/corrections/",
        {"token": token, f"material_{materials[0].pk}": pdf()},
        format="multipart",
    )
    assert wrong.status_code == 400  # not the one asked for
    fixed = api.post(
        f"{URL}{application.reference}/corrections/",
        {"token": token, f"material_{materials[1].pk}": jpg("new.jpg")},
        format="multipart",
    )
    assert fixed.status_code == 200, fixed.json()
    assert fixed.json()["status"] == "prereview"
    # The earlier file stays, superseded, for the timeline.
    assert Submission.objects.filter(material=materials[1]).count() == 2

    accepted = act(api, staff_a, application, "accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    application.refresh_from_db()
    case = application.case
    assert case.channel == CaseChannel.ONLINE and case.status == CaseStatus.ACCEPTED
    assert case.promised_due and case.legal_due
    assert accepted.json()["case"] == case.reference

    assert act(api, staff_a, application, "complete").status_code == 409  # by post: ship first
    shipped = act(api, staff_a, application, "ship", {"courier": "EMS", "tracking": "EA123"})
    assert shipped.json()["status"] == "sent" and shipped.json()["tracking"] == "EA123"
    assert "EA123" in Notice.objects.get(template="application_sent").body

    done = act(api, staff_a, application, "complete")
    assert done.json()["status"] == "done"
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert Notice.objects.filter(template="review_invite", recipient=PHONE).exists()
    assert not Rating.objects.exists()
    events = api.get(f"{URL}{application.reference}/?token={token}").json()["events"]
    assert [e["action"] for e in events] == [
        "submit",
        "return",
        "resubmit",
        "accept",
        "ship",
        "complete",
    ]


def test_accept_pending_records_the_commitment(api, item, window_a, materials, staff_a):
    answer = submit(api, item, window_a, materials, **{f"material_{materials[1].pk}": None})
    application = Application.objects.get(reference=answer.json()["reference"])
    due = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    accepted = act(api, staff_a, application, "accept-pending", {"materials_due": due})
    assert accepted.status_code == 200, accepted.json()
    application.refresh_from_db()
    assert application.commitment_due.isoformat() == due
    assert application.case.status == CaseStatus.PENDING
    assert list(application.case.missing_materials.all()) == [materials[1]]


def test_accept_pending_refuses_a_material_that_cannot_be_missing(
    api, submitted, staff_a, materials
):
    application = Application.objects.get(reference=submitted["reference"])
    due = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    answer = act(
        api,
        staff_a,
        application,
        "accept-pending",
        {"materials": [materials[0].pk], "materials_due": due},
    )
    assert answer.status_code == 400
    application.refresh_from_db()
    assert application.status == "prereview" and application.case is None


def test_reject_needs_a_reason_and_tells_the_applicant(api, submitted, staff_a):
    application = Application.objects.get(reference=submitted["reference"])
    assert act(api, staff_a, application, "reject", {"reason": ""}).status_code == 400
    answer = act(api, staff_a, application, "reject", {"reason": "不属于本窗口"})
    assert answer.json()["status"] == "rejected"
    assert "不属于本窗口" in Notice.objects.get(template="application_rejected").body


@pytest.mark.parametrize("action", ["accept", "return", "reject", "ship", "complete"])
def test_a_wrong_state_is_409(api, submitted, staff_a, action):
    application = Application.objects.get(reference=submitted["reference"])
    act(api, staff_a, application, "reject", {"reason": "不符合"})
    answer = act(api, staff_a, application, action, {"materials": {"1": "x"}})
    assert answer.status_code == 409 and answer.json()["code"] == "wrong_state"


@pytest.mark.parametrize(
    "materials_body",
    [{}, {"999999": "x"}, {"abc": "x"}, {"99999999999999999999999": "x"}, []],
)
def test_return_needs_materials_of_the_item(api, submitted, staff_a, materials_body):
    application = Application.objects.get(reference=submitted["reference"])
    answer = act(api, staff_a, application, "return", {"materials": materials_body})
    assert answer.status_code == 400
    application.refresh_from_db()
    assert application.status == "prereview"


# --- permissions ---------------------------------------------------------------------------------


def test_the_staff_list_is_per_window(api, submitted, staff_a, staff_b, bureau):
    assert api.get(URL).status_code in (401, 403)
    assert [a["reference"] for a in as_user(api, staff_a).get(URL).json()["results"]] == [
        submitted["reference"]
    ]
    assert as_user(api, staff_b).get(URL).json()["results"] == []
    assert len(as_user(api, bureau).get(URL).json()["results"]) == 1
    assert as_user(api, staff_a).get(URL + "?status=done").json()["results"] == []
    assert as_user(api, staff_a).get(URL + "?status=nope").status_code == 400


def test_the_status_needs_the_right_token(api, submitted):
    reference = submitted["reference"]
    assert api.get(f"{URL}{reference}/").status_code == 404
    assert api.get(f"{URL}0/").status_code == 404
    assert api.get(f"{URL}{reference}/?token=wrong").status_code == 404
    assert api.get(f"{URL}WB000000XXXX/?token={submitted['token']}").status_code == 404


def test_corrections_need_the_right_token(api, submitted, staff_a, materials):
    application = Application.objects.get(reference=submitted["reference"])
    act(api, staff_a, application, "return", {"materials": {materials[1].pk: "看不清"}})
    api.force_authenticate(None)
    url = f"{URL}{application.reference}/corrections/"
    answer = api.post(
        url, {"token": "wrong", f"material_{materials[1].pk}": jpg()}, format="multipart"
    )
    assert answer.status_code == 404


def test_staff_of_another_window_get_404_and_the_bureau_403(
    api, submitted, staff_b, bureau, staff_a
):
    application = Application.objects.get(reference=submitted["reference"])
    assert act(api, staff_b, application, "accept").status_code == 404
    assert as_user(api, staff_b).get(f"{URL}{application.reference}/").status_code == 404
    assert act(api, bureau, application, "accept").status_code == 403
    assert as_user(api, bureau).get(f"{URL}{application.reference}/").status_code == 200
    assert as_user(api, staff_a).get(f"{URL}{application.reference}/").status_code == 200
    api.force_authenticate(None)
    assert api.post(f"{URL}{application.pk}/accept/", {}, format="json").status_code in (401, 403)
    assert act(api, staff_a, application, "nope").status_code == 404


def test_files_only_to_those_who_may_see_them(api, submitted, staff_a, staff_b, bureau, materials):
    application = Application.objects.get(reference=submitted["reference"])
    url = f"{URL}{application.pk}/files/{materials[0].pk}/"
    assert api.get(url).status_code in (401, 403)
    assert api.get(url + "?token=wrong").status_code == 404
    assert as_user(api, staff_b).get(url).status_code == 404
    api.force_authenticate(None)
    mine = api.get(f"{url}?token={submitted['token']}")
    assert mine.status_code == 200
    assert mine["Content-Disposition"].startswith("attachment")
    assert mine["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in mine["Cache-Control"]
    assert b"".join(mine.streaming_content).startswith(b"%PDF")
    for user in (staff_a, bureau):
        assert as_user(api, user).get(url).status_code == 200
    assert (
        as_user(api, staff_a).get(f"{URL}{application.pk}/files/{materials[2].pk}/").status_code
        == 404
    )


def test_the_staff_list_costs_the_same_queries_whatever_its_length(
    api, item, window_a, materials, staff_a, django_assert_max_num_queries
):
    submit(api, item, window_a, materials)
    as_user(api, staff_a)
    # Whether the user is the bureau (once per user object), the count, the page with its
    # item, window and case.
    with django_assert_max_num_queries(3):
        assert len(api.get(URL).json()["results"]) == 1
    for _n in range(3):
        api.force_authenticate(None)
        submit(api, item, window_a, materials)
    as_user(api, staff_a)
    with django_assert_max_num_queries(3):
        assert len(api.get(URL).json()["results"]) == 4


def test_a_reason_on_several_lines_stays_one_reason(api, submitted, staff_a, materials):
    application = Application.objects.get(reference=submitted["reference"])
    reason = f"第一行\n{materials[0].pk}\t伪造的第二条"
    act(api, staff_a, application, "return", {"materials": {materials[1].pk: reason}})
    api.force_authenticate(None)
    body = api.get(f"{URL}{application.reference}/?token={submitted['token']}").json()
    asked = {m["id"]: m["reason"] for m in body["materials"] if m["asked"]}
    assert list(asked) == [materials[1].pk] and asked[materials[1].pk].startswith("第一行 ")


def test_the_promised_materials_follow_the_commitment(api, item, window_a, materials, staff_a):
    answer = submit(api, item, window_a, materials, **{f"material_{materials[1].pk}": None})
    created = answer.json()
    application = Application.objects.get(reference=created["reference"])
    due = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    act(api, staff_a, application, "accept-pending", {"materials_due": due})
    api.force_authenticate(None)
    url = f"{URL}{application.reference}/corrections/"
    token = created["token"]
    wrong = api.post(
        url, {"token": token, f"material_{materials[0].pk}": pdf()}, format="multipart"
    )
    assert wrong.status_code == 400  # not a promised one
    given = api.post(
        url, {"token": token, f"material_{materials[1].pk}": jpg()}, format="multipart"
    )
    assert given.status_code == 200, given.json()
    assert [e["action"] for e in given.json()["events"]][-1] == "promised"
    again = api.post(
        url, {"token": token, f"material_{materials[1].pk}": jpg()}, format="multipart"
    )
    assert again.status_code == 409  # given already
    # The clerk confirms them on the case; then the result can be completed.
    application.refresh_from_db()
    act(api, staff_a, application, "ship", {"courier": "EMS", "tracking": "EA9"})
    refused = act(api, staff_a, application, "complete")
    assert refused.status_code == 409 and "承诺" in refused.json()["message"]
    case_answer = as_user(api, staff_a).post(f"/api/v1/cases/{application.case.pk}/accept/")
    assert case_answer.status_code == 200
    assert act(api, staff_a, application, "complete").json()["status"] == "done"
