"""Demo online applications (manage.py seed_demo, through manage.py seed_applications): one in
each state a clerk meets, so that the pre-review list, the review page, the applicant's status
page and the statistics have something to show.

Idempotent: each is keyed on a fixed reference (WBDEMO01…) and made only if missing, never
changed afterwards (its pre-review due time was near or past when it was made, and moves on with
the clock like any application's). Every record is marked is_demo; the people are fictitious
(phones 1390001xxxx, resident IDs with a valid checksum and the impossible area code 999999);
the files are tiny, made here (a one-page PDF by pypdf, a PNG by Pillow), checked by the same
rules as an upload (files.check) and stored through the private storage.
"""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from appointments import cases
from appointments.constants import Channel as CaseChannel
from appointments.constants import IdType
from appointments.constants import Status as CaseStatus
from appointments.models import Case
from appointments.validators import resident_id_check_char
from catalog.models import ServiceItem
from ipservice import dates

from . import files, services
from .constants import Action, Delivery, Review, Status
from .forms import windows_for
from .models import Application, ApplicationEvent

# The item of the demo: the sources' own example of online pre-review (24 hours).
ITEM_CODE = "ip-pledge"
REFERENCE = "WBDEMO{:02d}"
CASE_REFERENCE = "WSDEMO{:02d}"
HOUR = dt.timedelta(hours=1)

# (number, name, what it shows); the states are made by _make below.
DEMO = [
    (1, "张示例", "near_due"),
    (2, "李示例", "overdue"),
    (3, "王示例", "correction"),
    (4, "赵示例", "accepted"),
    (5, "钱示例", "sent"),
    (6, "孙示例", "done"),
]


def demo_pdf():
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=280)
    writer.add_metadata({"/Title": "示例材料 demo material"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def demo_png():
    out = io.BytesIO()
    Image.new("RGB", (64, 40), (30, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def demo_id_number(n):
    first17 = f"999999{1970 + n}{n:02d}{10 + n:02d}{n:03d}"
    return first17 + resident_id_check_char(first17)


def load_applications():
    """The demo applications missing; returns how many were made. Nothing without the item
    or a window handling it (the catalog and the windows are loaded first)."""
    item = ServiceItem.objects.filter(code=ITEM_CODE).first()
    window = windows_for(item).first() if item else None
    if window is None:
        return 0
    clerk = next((m.user for m in window.memberships.select_related("user")), None)
    existing = set(
        Application.objects.filter(
            reference__in=[REFERENCE.format(n) for n, _name, _state in DEMO]
        ).values_list("reference", flat=True)
    )
    made = 0
    for number, name, state in DEMO:
        if REFERENCE.format(number) not in existing:
            with transaction.atomic():
                _make(number, name, state, item, window, clerk)
            made += 1
    return made


def _files(item):
    """A clean file for each material the catalog asks for (required or tolerable)."""
    given = {}
    for index, material in enumerate(item.materials.all()):
        if not (material.required or material.tolerable):
            continue
        if index % 2 == 0:
            upload = SimpleUploadedFile(f"{material.name}.pdf", demo_pdf())
        else:
            upload = SimpleUploadedFile(f"{material.name}.png", demo_png())
        given[material] = files.check(upload)
    return given


def _event(application, action, at, *, from_status="", actor=None, note=""):
    event = services.record_event(
        application, action, from_status=from_status, actor=actor, note=note
    )
    ApplicationEvent.objects.filter(pk=event.pk).update(at=at)


def _make(number, name, state, item, window, clerk):
    now = timezone.now()
    submitted = now - HOUR * {"near_due": 22, "overdue": 30}.get(state, 24 * number)
    application = Application(
        reference=REFERENCE.format(number),
        item=item,
        window=window,
        name=name,
        phone=f"1390001{number:04d}",
        id_type=IdType.RESIDENT_ID,
        id_number=demo_id_number(number),
        email=f"demo{number}@example.com" if number % 2 else "",
        notes="示例申请（演示数据）",
        delivery=Delivery.POST if state in ("sent", "done") else Delivery.WINDOW,
        prereview_started=submitted,
        prereview_due=services.prereview_due(item, submitted),
        is_demo=True,
    )
    if application.delivery == Delivery.POST:
        application.address = "上海市黄浦区示例路1号（演示数据）"
    if state == "near_due":
        application.prereview_due = now + 2 * HOUR  # within APPLICATION_NEAR_DUE_HOURS
    elif state == "overdue":
        application.prereview_due = now - 3 * HOUR
    application.save()
    Application.objects.filter(pk=application.pk).update(created_at=submitted)
    application.created_at = submitted
    services.store_files(application, _files(item))
    _event(application, Action.SUBMIT, submitted)
    if state in ("near_due", "overdue"):
        return
    decided = submitted + 5 * HOUR
    application.prereview_seconds = int((decided - submitted).total_seconds())
    application.handled_by = clerk
    if state == "correction":
        _return_one(application, decided, clerk)
        return
    _accept(application, number, decided, clerk)
    if state in ("sent", "done"):
        application.status = Status.SENT
        application.courier, application.tracking = "中国邮政EMS", f"EMDEMO{number:07d}"
        application.shipped_at = decided + 24 * HOUR
        application.save()
        _event(
            application,
            Action.SHIP,
            application.shipped_at,
            from_status=Status.ACCEPTED,
            actor=clerk,
            note=f"{application.courier} {application.tracking}",
        )
    if state == "done":
        application.status, application.closed_at = Status.DONE, decided + 48 * HOUR
        application.save()
        Case.objects.filter(pk=application.case_id).update(
            status=CaseStatus.COMPLETED, completed_at=application.closed_at
        )
        _event(
            application,
            Action.COMPLETE,
            application.closed_at,
            from_status=Status.SENT,
            actor=clerk,
        )


def _return_one(application, at, clerk):
    """补正: the first material returned with a reason, the others fine."""
    submissions = list(services.current_submissions(application))
    first = submissions[0]
    reason = "请上传加盖公章的清晰扫描件（示例）"
    first.review, first.reason = Review.CORRECT, reason
    first.save(update_fields=["review", "reason"])
    for other in submissions[1:]:
        other.review = Review.FINE
        other.save(update_fields=["review"])
    application.status, application.corrections = Status.CORRECTION, 1
    application.save()
    _event(
        application,
        Action.RETURN,
        at,
        from_status=Status.PREREVIEW,
        actor=clerk,
        note=f"{first.material_id}\t{reason}",
    )


def _accept(application, number, at, clerk):
    """受理: the case (channel online, limits from the day of acceptance), all files fine."""
    accepted_on = dates.local_day(at)
    case = Case.objects.create(
        reference=CASE_REFERENCE.format(number),
        window=application.window,
        item=application.item,
        channel=CaseChannel.ONLINE,
        status=CaseStatus.ACCEPTED,
        start=application.created_at,
        handled_by=clerk,
        accepted_on=accepted_on,
        is_demo=True,
        **cases.due_dates(application.item, accepted_on),
        **application.person(),
    )
    services.current_submissions(application).update(review=Review.FINE)
    application.status, application.decided_at, application.case = Status.ACCEPTED, at, case
    application.save()
    _event(application, Action.ACCEPT, at, from_status=Status.PREREVIEW, actor=clerk)
