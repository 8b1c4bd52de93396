"""The rectification ledger (整改台账) as an .xlsx workbook.

Built with openpyxl's write-only mode (rows are streamed into the file, not kept as cell
objects), reading the rectifications in chunks with their steps prefetched, so that a year's
ledger costs a few queries per chunk and little memory. Personal data is masked
(docs/architecture.md, "Where each rule lives").
"""

import io

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from appointments.deadlines import DEADLINE_LABELS
from appointments.masking import mask_name, mask_phone
from ipservice.spreadsheets import escape_formula

from .constants import StepKind
from .models import Step
from .services.rectifications import is_on_time, late_steps, rectification_deadline

CHUNK = 2000


def safe_text(value):
    return escape_formula("" if value is None else str(value))


def local_time(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def yes_no(value):
    if value is None:
        return ""
    return _("Yes") if value else _("No")


def steps_text(rect):
    lines = []
    for step in rect.steps.all():
        actor = step.actor.get_username() if step.actor else ""
        parts = [local_time(step.at), StepKind(step.kind).label, actor, str(step.method_label)]
        parts.append(step.notes)
        lines.append(" ".join(str(part) for part in parts if part))
    return "\n".join(lines)


def _appeal(rect):
    appeal = getattr(rect.rating, "appeal", None)
    return appeal.get_decision_display() if appeal else ""


# (header, value of one rectification); headers in the language of the request.
COLUMNS = (
    (lambda: _("No."), lambda r, today: r.pk),
    (lambda: _("Window"), lambda r, today: r.window.name),
    (lambda: _("District"), lambda r, today: r.window.district.name if r.window.district else ""),
    (lambda: _("Service item"), lambda r, today: r.rating.item.name),
    (lambda: _("Case reference"), lambda r, today: r.rating.case.reference),
    (lambda: _("Person served"), lambda r, today: mask_name(r.rating.case.name)),
    (lambda: _("Mobile number"), lambda r, today: mask_phone(r.rating.case.phone)),
    (
        lambda: _("Staff member"),
        lambda r, today: r.rating.staff.get_username() if r.rating.staff else "",
    ),
    (lambda: _("Rated at"), lambda r, today: local_time(r.rating.created_at)),
    (lambda: pgettext("rating", "Channel"), lambda r, today: r.rating.get_channel_display()),
    (lambda: _("Overall"), lambda r, today: f"{r.rating.score} {r.rating.get_score_display()}"),
    (lambda: _("Comment"), lambda r, today: r.rating.comment),
    (lambda: _("Status"), lambda r, today: r.get_status_display()),
    (lambda: _("Opened on"), lambda r, today: r.opened_on),
    (lambda: _("Contact by"), lambda r, today: r.contact_due),
    (lambda: _("Contacted at"), lambda r, today: local_time(r.followed_up_at)),
    (lambda: _("Reply by"), lambda r, today: r.reply_due),
    (lambda: _("Rectify by"), lambda r, today: r.rectify_due),
    (lambda: _("Substantiated"), lambda r, today: yes_no(r.substantiated)),
    (lambda: _("Complex matter"), lambda r, today: yes_no(r.is_complex)),
    (lambda: _("Closed at"), lambda r, today: local_time(r.closed_at)),
    (
        lambda: _("Closed on time"),
        lambda r, today: yes_no(is_on_time(r)) if r.closed_at else "",
    ),
    (
        lambda: _("Deadline"),
        lambda r, today: DEADLINE_LABELS.get(rectification_deadline(r, today), ""),
    ),
    (
        lambda: _("Limits missed"),
        lambda r, today: "、".join(str(StepKind(k).label) for k in late_steps(r, today)),
    ),
    (lambda: _("Appeal"), lambda r, today: _appeal(r)),
    (lambda: _("Record of steps"), lambda r, today: steps_text(r)),
)


def ledger_queryset(rectifications):
    steps = Step.objects.select_related("actor").order_by("at", "pk")
    return rectifications.select_related(
        "window__district",
        "rating__case",
        "rating__item",
        "rating__staff",
        "rating__appeal",
    ).prefetch_related(Prefetch("steps", queryset=steps))


def ledger_rows(rectifications, today):
    for rect in ledger_queryset(rectifications).iterator(chunk_size=CHUNK):
        yield [_cell_value(value(rect, today)) for _header, value in COLUMNS]


def _cell_value(value):
    if isinstance(value, str):
        return safe_text(value)
    if value is None:
        return ""
    return value if isinstance(value, int | float) or hasattr(value, "isoformat") else str(value)


def ledger_workbook(rectifications, today):
    """The .xlsx file's bytes: one header row, one row per rectification."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=safe_text(_("Rectification ledger"))[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title, _value in COLUMNS:
        cell = WriteOnlyCell(sheet, value=str(title()))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in ledger_rows(rectifications, today):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
