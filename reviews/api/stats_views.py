"""GET /api/v1/stats/ (docs/architecture.md, "The HTTP contract"): the figures of reviews/stats.py
for a year and a scope.

Bureau staff see any scope; a window's staff see their own windows (another window: 404). The
parameters are checked by the dashboard's form, so page and API give the same messages.
"""

from contextlib import contextmanager

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ipservice.api import bad_request

from ..stats import DIMENSIONS, compute_stats
from ..stats_breakdowns import stats_by
from ..views.stats import StatsFilterForm, check_breakdown, scope_for, viewer_windows


class StatsQueryForm(StatsFilterForm):
    breakdown = forms.ChoiceField(
        required=False,
        choices=[("", "")] + [(d, d) for d in DIMENSIONS],
        error_messages={
            "invalid_choice": _("Break down by one of: month, district, window, item, staff.")
        },
    )


# --- documentation of the response (the view returns the dict of compute_stats) ----------------


def _rate(help_text):
    return serializers.FloatField(allow_null=True, min_value=0, max_value=1, help_text=help_text)


class FiguresSerializer(serializers.Serializer):
    bookings = serializers.IntegerField(
        help_text="Online bookings whose appointment is in the year."
    )
    no_shows = serializers.IntegerField(help_text="Of those, the people who did not come.")
    no_show_rate = _rate("no_shows / bookings.")
    cancelled_bookings = serializers.IntegerField()
    cases = serializers.DictField(
        child=serializers.IntegerField(), help_text="Cases registered in the year, by status."
    )
    cases_total = serializers.IntegerField()
    channels = serializers.DictField(
        child=serializers.IntegerField(), help_text="Cases registered in the year, by channel."
    )
    completed = serializers.IntegerField(help_text="Cases completed in the year.")
    completed_with_promise = serializers.IntegerField()
    completed_on_time = serializers.IntegerField()
    on_time_rate = _rate("Completed on or before the promised due date, among those with one.")
    avg_working_days = serializers.FloatField(
        allow_null=True, help_text="Average working days from acceptance to completion."
    )
    ratings = serializers.IntegerField(
        help_text="Ratings given in the year (excluded ones left out)."
    )
    scores = serializers.DictField(child=serializers.IntegerField(), help_text="Ratings per score.")
    good_ratings = serializers.IntegerField()
    good_rate = _rate("Share of 5 and 4 (好评率).")
    avg_score = serializers.FloatField(allow_null=True, help_text="Average score, 1 to 5.")
    bad_reviews = serializers.IntegerField(help_text="Ratings of 2 and 1 (差评).")
    rectifications_closed = serializers.IntegerField()
    rectifications_closed_on_time = serializers.IntegerField()
    rectification_rate = _rate("Closed rectifications / bad reviews.")
    rectification_on_time_rate = _rate("Closed by the rectify-by date / closed.")
    complaints = serializers.IntegerField(
        allow_null=True,
        help_text="Complaints received; null per staff member, and for a window's staff "
        "(complaints are the bureau's).",
    )
    complaints_closed = serializers.IntegerField(allow_null=True)


class RowSerializer(FiguresSerializer):
    key = serializers.JSONField(
        help_text="Month 1–12, district code, window id, item code or staff user id."
    )
    label = serializers.CharField()


class StatsSerializer(FiguresSerializer):
    year = serializers.IntegerField()
    filters = serializers.DictField(help_text="The district, window and item applied.")
    breakdown = serializers.CharField(required=False)
    rows = RowSerializer(many=True, required=False)


ERROR_RESPONSE = OpenApiResponse(description='`{"code", "message", "errors"}`')
PARAMETERS = [
    OpenApiParameter("year", OpenApiTypes.INT, required=True, description="e.g. 2025"),
    OpenApiParameter("district", OpenApiTypes.STR, description="GB/T 2260 code, e.g. 310104."),
    OpenApiParameter(
        "window", OpenApiTypes.INT, description="Window id; a window's staff: one of theirs."
    ),
    OpenApiParameter("item", OpenApiTypes.STR, description="Service item code."),
    OpenApiParameter(
        "breakdown",
        OpenApiTypes.STR,
        enum=list(DIMENSIONS),
        description="Add `rows`: the same figures per month, district, window, item or staff "
        "member (staff: bureau only).",
    ),
]


class StatsView(APIView):
    """Statistics of a year: bookings, cases, completion on time, 好差评 and complaints."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=PARAMETERS,
        responses={
            200: StatsSerializer,
            400: ERROR_RESPONSE,
            401: ERROR_RESPONSE,
            403: ERROR_RESPONSE,
            404: ERROR_RESPONSE,
        },
    )
    def get(self, request):
        with _refusal_explained():
            allowed = viewer_windows(request.user)
        form = StatsQueryForm(request.query_params)
        if not form.is_valid():
            errors = {field: [str(m) for m in messages] for field, messages in form.errors.items()}
            return bad_request(form.error_list()[0], errors=errors)
        cleaned = form.cleaned_data
        scope = scope_for(cleaned, allowed)
        dimension = cleaned["breakdown"]
        with _refusal_explained():
            check_breakdown(dimension, allowed)
        body = compute_stats(cleaned["year"], **scope)
        body["filters"] = _filters(cleaned)
        if dimension:
            body["breakdown"] = dimension
            body["rows"] = stats_by(cleaned["year"], dimension, **scope)
        return Response(body)


@contextmanager
def _refusal_explained():
    """Keep the reason of a refusal shared with the page (Django's PermissionDenied) as the
    API's message."""
    try:
        yield
    except PermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc)) from exc


def _filters(cleaned):
    window = cleaned.get("window")
    return {
        "district": getattr(cleaned.get("district"), "code", None),
        "window": window.pk if window else None,
        "item": getattr(cleaned.get("item"), "code", None),
    }
