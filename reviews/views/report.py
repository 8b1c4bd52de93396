"""The annual report pages (bureau staff only): request a year, watch it build, download it.

Anyone else who is logged in is refused with 403 (windows.models.require_bureau, the answer of
the API too), anonymous visitors get the login page. The request form is shared with
POST /api/v1/reports/annual/ so that both give the same messages.
"""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ipservice import dates
from ipservice.spreadsheets import XLSX_CONTENT_TYPE
from windows.models import require_bureau

from ..constants import ReportStatus
from ..models import AnnualReport
from ..report import download_name
from ..report_tasks import ACTIVE, can_retry, request_report, retry_report
from ..stats_breakdowns import years_with_data
from .stats import FIRST_YEAR

PAGE_SIZE = 20
BUREAU_ONLY = gettext_lazy("Annual reports are for bureau staff only.")


class ReportRequestForm(forms.Form):
    """The year of a report: 2000 (the earliest statistics) to the current year."""

    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        help_text=gettext_lazy("A report of the current year covers the year so far, and says so."),
        error_messages={
            "required": gettext_lazy("Give the year of the report, e.g. 2025."),
            "invalid": gettext_lazy("The year must be a whole number, e.g. 2025."),
        },
    )

    def __init__(self, *args, years=None, **kwargs):
        super().__init__(*args, **kwargs)
        if years is None:
            years = range(dates.today().year, FIRST_YEAR - 1, -1)
        self.fields["year"].widget = forms.Select(choices=[(y, y) for y in years])

    def clean_year(self):
        year, last = self.cleaned_data["year"], dates.today().year
        if not FIRST_YEAR <= year <= last:
            raise ValidationError(
                _("Annual reports cover the years %(first)s to %(last)s."),
                params={"first": FIRST_YEAR, "last": last},
                code="out_of_range",
            )
        return year

    def error_list(self):
        return [str(message) for errors in self.errors.values() for message in errors]


@login_required
@require_http_methods(["GET", "POST"])
def report_list(request):
    require_bureau(request.user, BUREAU_ONLY)
    if request.method == "POST":
        form = ReportRequestForm(request.POST)
        if form.is_valid():
            report, created = request_report(form.cleaned_data["year"], request.user)
            if created:
                messages.success(
                    request, _("The report of %(year)s is being built.") % {"year": report.year}
                )
            else:
                messages.info(
                    request,
                    _("The report of %(year)s is already being built.") % {"year": report.year},
                )
            return redirect("reviews:report_list")
    else:
        with_data = years_with_data()
        form = ReportRequestForm(
            initial={"year": default_year(with_data)}, years=report_years(with_data)
        )
    # Queries: session, user, bureau group, count, the page of reports with who asked.
    reports = AnnualReport.objects.select_related("requested_by").order_by("-created_at", "-pk")
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    for report in page.object_list:
        report.retryable = can_retry(report)
        report.active = report.status in ACTIVE
    context = {
        "form": form,
        "page": page,
        "building": any(report.active for report in page.object_list),
    }
    return render(request, "reviews/report/list.html", context)


def report_years(with_data):
    """The years a report can be asked for: those with figures (`with_data`, the statistics'
    years_with_data) and the current year, newest first."""
    today = dates.today()
    years = {year for year in with_data if FIRST_YEAR <= year <= today.year}
    return sorted(years | {today.year}, reverse=True)


def default_year(with_data):
    """The year a report is most likely wanted for: in the first quarter, when annual reports
    are written, the year just ended if it has figures; else the current year (its report says
    that the year is not over), or the latest past year with figures while the current one has
    none."""
    today = dates.today()
    if today.month <= 3 and today.year - 1 in with_data:
        return today.year - 1
    past = [year for year in with_data if year < today.year]
    if today.year in with_data or not past:
        return today.year
    return max(past)


@login_required
@require_POST
def report_retry(request, pk):
    require_bureau(request.user, BUREAU_ONLY)
    report = get_object_or_404(AnnualReport, pk=pk)
    if retry_report(report):
        messages.success(
            request, _("The report of %(year)s is being built again.") % {"year": report.year}
        )
    else:
        messages.info(request, _("This report cannot be retried: it is done or still building."))
    return redirect("reviews:report_list")


@login_required
@require_GET
def report_download(request, pk):
    require_bureau(request.user, BUREAU_ONLY)
    return report_file(pk)


def report_file(pk):
    """The .xlsx of a finished report as an attachment (the page's download and the API's,
    GET /api/v1/reports/{id}/download/); 404 while it is not done or when its file is gone."""
    report = get_object_or_404(AnnualReport, pk=pk, status=ReportStatus.DONE)
    if not report.file:
        raise Http404("The report has no file.")
    try:
        handle = report.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The report's file is missing.") from exc
    response = FileResponse(handle, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(download_name(report.year), report.year)
    # Bureau-only content: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response


def attachment(filename, year):
    """An ASCII name for old clients and the Chinese one by RFC 5987 (filename*)."""
    fallback = f"annual-report-{year}.xlsx"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
