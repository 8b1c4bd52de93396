"""Working-day calendar API: due dates and the special days of a year. Public.
(docs/architecture.md, "The HTTP contract".)"""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from ipservice import dates
from ipservice.api import PublicView

from .. import workdays
from ..constants import CalendarSource, DayKind
from ..resources import MAX_YEAR, MIN_YEAR

MAX_DAYS = 365

# The body is the API's error (ipservice.schema.ErrorSerializer).
ERROR_RESPONSE = OpenApiResponse(
    description=_("Bad parameters: per-field messages under `errors`.")
)


def _check_year(year):
    # Outside these years a date is a typing mistake, and far ones would overflow.
    if not MIN_YEAR <= year <= MAX_YEAR:
        message = _("Enter a date between the years %(min)s and %(max)s.")
        raise serializers.ValidationError(message % {"min": MIN_YEAR, "max": MAX_YEAR})


class DueDateQuerySerializer(serializers.Serializer):
    start = serializers.DateField(
        input_formats=["%Y-%m-%d"],
        help_text=_("The day the clock starts (acceptance), YYYY-MM-DD."),
    )
    days = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DAYS,
        help_text=_("Number of working days, 0 to 365."),
    )

    def validate_start(self, value):
        _check_year(value.year)
        return value


class DueDateSerializer(serializers.Serializer):
    due = serializers.DateField(help_text=_("The last day of the time limit."))
    calendar = serializers.ChoiceField(
        choices=CalendarSource.choices,
        help_text=_("Source of the due date's year; fallback if any year spanned falls back."),
    )


class YearQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        required=False,
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        help_text=_("The year; this year when left out."),
    )


class SpecialDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=DayKind.choices)
    name = serializers.CharField()
    name_en = serializers.CharField()
    # A single day comes from the package or from the bureau's table, never from the fallback.
    source = serializers.ChoiceField(
        choices=[
            (CalendarSource.OFFICIAL.value, CalendarSource.OFFICIAL.label),
            (CalendarSource.BUREAU.value, CalendarSource.BUREAU.label),
        ]
    )


class YearCalendarSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    calendar = serializers.ChoiceField(choices=CalendarSource.choices)
    days = SpecialDaySerializer(many=True)


def _query(serializer_class, request):
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)  # 400 in the shape of ipservice/api.py
    return query.validated_data


class DueDateView(PublicView):
    @extend_schema(
        operation_id="calendar_due_date",
        summary=_("Due date in working days"),
        description=_(
            "The n-th working day after `start` (counting starts the next working day), on the "
            "official schedule with the bureau's changes; Monday to Friday for a year with "
            "neither. days=0 gives start itself."
        ),
        parameters=[DueDateQuerySerializer],
        responses={200: DueDateSerializer, 400: ERROR_RESPONSE},
        tags=["calendar"],
    )
    def get(self, request):
        query = _query(DueDateQuerySerializer, request)
        start, days = query["start"], query["days"]
        due = workdays.add_working_days(start, days)
        # The days counted are those after start; with days=0 only start's own year matters.
        first = min(start + dt.timedelta(days=1), due)
        body = {"due": due, "calendar": workdays.span_source(first, due)}
        return Response(DueDateSerializer(body).data)


class YearDaysView(PublicView):
    @extend_schema(
        operation_id="calendar_days",
        summary=_("Special days of a year"),
        description=_(
            "Weekdays that are not working days and weekend days that are (调休), with where "
            "each comes from, and the source of the year's calendar."
        ),
        parameters=[YearQuerySerializer],
        responses={200: YearCalendarSerializer, 400: ERROR_RESPONSE},
        tags=["calendar"],
    )
    def get(self, request):
        year = _query(YearQuerySerializer, request).get("year") or dates.today().year
        calendar = workdays.year_calendar(year)
        body = {"year": year, "calendar": calendar.source, "days": calendar.special_days()}
        return Response(YearCalendarSerializer(body).data)
