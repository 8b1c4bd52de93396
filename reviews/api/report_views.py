"""The annual report API (docs/architecture.md, "The HTTP contract"), bureau staff only.

POST /reports/annual/ body {"year": Y}: 202 with the report (`id`, `status` pending...); 409
`already_building` (with the `id` of that report) when one of that year is already queued or
being built: the database holds one at a time.
GET /reports/{id}/: its status, progress and, when done, `download`: the absolute URL of
GET /reports/{id}/download/, the file for the same clients (a token as well as a session: the
page's download would send a token client to the login page). POST /reports/{id}/retry/: a
failed build again (202), 409 when there is nothing to retry. Bad year: 400; anonymous: 401;
logged in but not bureau: 403; unknown id: 404.
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from ipservice.api import Conflict, bad_request
from ipservice.authentication import TokenAuthentication
from ipservice.spreadsheets import XLSX_CONTENT_TYPE
from windows.api.permissions import IsBureau

from ..constants import ReportStatus
from ..models import AnnualReport
from ..report_tasks import request_report, retry_report
from ..views.report import ReportRequestForm, report_file


class ReportSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    download = serializers.SerializerMethodField(
        help_text="Absolute URL of the .xlsx when done, else null."
    )
    partial_until = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="Built before its year was over: the last day its figures cover (the year "
        "so far). Null for a whole year.",
    )

    class Meta:
        model = AnnualReport
        fields = [
            "id",
            "year",
            "status",
            "status_display",
            "progress",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "download",
            "partial_until",
        ]
        read_only_fields = fields

    def get_download(self, report) -> str | None:
        if report.status != ReportStatus.DONE or not report.file:
            return None
        url = reverse("api-report-download", args=[report.pk])
        return self.context["request"].build_absolute_uri(url)


class YearSerializer(serializers.Serializer):
    """Documents the body; validation is ReportRequestForm's, as on the page."""

    year = serializers.IntegerField(min_value=2000)


ERRORS = {
    400: OpenApiResponse(description="`invalid`: a bad year, in `errors.year`"),
    401: OpenApiResponse(description="not logged in"),
    403: OpenApiResponse(description="not bureau staff"),
}


class ReportAPIView(APIView):
    # Token first: an anonymous request gets 401 with `WWW-Authenticate: Token`.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsBureau]

    def answer(self, report, code=status.HTTP_200_OK):
        body = ReportSerializer(report, context={"request": self.request}).data
        return Response(body, status=code)


class AnnualReportCreateView(ReportAPIView):
    """Asks for the annual report of a year; it is built in the background."""

    @extend_schema(
        request=YearSerializer,
        responses={
            202: ReportSerializer,
            **ERRORS,
            409: OpenApiResponse(description="`already_building`: `id` is the report to follow"),
        },
    )
    def post(self, request):
        if not isinstance(request.data, dict):
            return bad_request(_('Send a JSON object such as {"year": 2025}.'))
        form = ReportRequestForm(request.data)
        if not form.is_valid():
            errors = {field: [str(m) for m in messages] for field, messages in form.errors.items()}
            return bad_request(form.error_list()[0], errors=errors)
        report, created = request_report(form.cleaned_data["year"], request.user)
        response = self.answer(report, status.HTTP_202_ACCEPTED) if created else busy(report)
        response["Location"] = reverse("api-report-detail", args=[report.pk])
        return response


def busy(report):
    """409: the year's report is already queued or being built; `id` is the one to follow."""
    message = _("The report of %(year)s is already being built.") % {"year": report.year}
    body = {"code": "already_building", "message": message, "errors": {}, "id": report.pk}
    return Response(body, status=status.HTTP_409_CONFLICT)


class ReportDetailView(ReportAPIView):
    """The state of one report; `download` once it is done."""

    @extend_schema(responses={200: ReportSerializer, **ERRORS, 404: OpenApiResponse()})
    def get(self, request, pk):
        return self.answer(get_object_or_404(AnnualReport, pk=pk))


class ReportRetryView(ReportAPIView):
    """Builds a failed report again."""

    @extend_schema(
        request=None,
        responses={202: ReportSerializer, **ERRORS, 404: OpenApiResponse(), 409: OpenApiResponse()},
    )
    def post(self, request, pk):
        report = get_object_or_404(AnnualReport, pk=pk)
        if not retry_report(report):
            raise Conflict(
                _("This report cannot be retried: it is done or still building."),
                code="not_retryable",
            )
        report.refresh_from_db()
        return self.answer(report, status.HTTP_202_ACCEPTED)


class ReportDownloadView(ReportAPIView):
    """The .xlsx of a finished report (what `download` points to); 404 until it is done."""

    @extend_schema(
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="the annual report (.xlsx)"
            ),
            401: ERRORS[401],
            403: ERRORS[403],
            404: OpenApiResponse(description="no such report, not done yet, or its file is gone"),
        },
    )
    def get(self, request, pk):
        return report_file(pk)

    def perform_content_negotiation(self, request, force=False):
        # A client asking for the spreadsheet type (Accept: ...sheet) gets the file, and its
        # errors as JSON, rather than 406 (the file is not rendered by a DRF renderer).
        return super().perform_content_negotiation(request, force=True)
