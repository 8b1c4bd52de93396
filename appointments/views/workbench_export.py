"""The case list as a download: CSV streamed row by row, or an .xlsx written with openpyxl's
write-only mode (constant memory) to a temporary file and then streamed.

Personal data is always masked here (docs/architecture.md): an export leaves the portal.
"""

import csv
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from ipservice.spreadsheets import escape_formula

from .. import deadlines
from ..masking import mask_id, mask_name, mask_phone

FORMATS = ("csv", "xlsx")
CHUNK = 500


def _headers():
    return [
        _("Reference"),
        _("Window"),
        _("Service item"),
        _("Channel"),
        _("Status"),
        _("Time"),
        _("Accepted on"),
        _("Legal due date"),
        _("Promised due date"),
        _("Deadline"),
        _("Name"),
        _("Mobile number"),
        _("ID type"),
        _("ID number"),
    ]


def _date(value):
    return value.isoformat() if value else ""


def _row(case):
    start = timezone.localtime(case.start).strftime("%Y-%m-%d %H:%M") if case.start else ""
    deadline = deadlines.DEADLINE_LABELS.get(getattr(case, "deadline", None), "")
    return [
        case.reference,
        case.window.display_name,
        f"{case.item.code} {case.item.display_name}",
        case.get_channel_display(),
        case.get_status_display(),
        start,
        _date(case.accepted_on),
        _date(case.legal_due),
        _date(case.promised_due),
        str(deadline),
        mask_name(case.name),
        mask_phone(case.phone),
        case.get_id_type_display(),
        mask_id(case.id_number),
    ]


def _safe(value):
    return escape_formula(str(value))


def _rows(queryset, language):
    # A streamed body is produced after the view returns: keep the request's language.
    with translation.override(language):
        yield _headers()
        for case in queryset.iterator(chunk_size=CHUNK):
            yield [_safe(v) for v in _row(case)]


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value):
        return value


def _csv(queryset, filename):
    writer = csv.writer(_Echo())
    # The BOM makes Excel read the file as UTF-8 (Chinese names and items).
    lines = (writer.writerow(row) for row in _rows(queryset, translation.get_language()))
    body = _prefixed("\ufeff", lines)
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _prefixed(first, rest):
    yield first
    yield from rest


def _xlsx(queryset, filename):
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Cases"))
    for row in _rows(queryset, translation.get_language()):
        sheet.append(row)
    spool = tempfile.TemporaryFile()
    book.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def respond(queryset, export, today):
    filename = f"cases-{today:%Y%m%d}"
    if export == "xlsx":
        return _xlsx(queryset, filename)
    return _csv(queryset, filename)
