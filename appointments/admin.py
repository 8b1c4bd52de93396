from django.contrib import admin, messages
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats

from . import workdays
from .constants import CalendarSource
from .models import CalendarDay
from .resources import MAX_YEAR, MIN_YEAR, CalendarDayResource


class YearFilter(admin.SimpleListFilter):
    title = gettext_lazy("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        this_year = timezone.localdate().year
        years = {day.year for day in CalendarDay.objects.dates("date", "year")}
        years |= {this_year, this_year + 1}
        return [(str(year), str(year)) for year in sorted(years, reverse=True)]

    def queryset(self, request, queryset):
        year = _as_year(self.value())
        return queryset.filter(date__year=year) if year else queryset


def _as_year(value):
    if not (value and value.isdigit() and MIN_YEAR <= int(value) <= MAX_YEAR):
        return None
    return int(value)


# What staff are told about a year's calendar, by source.
SOURCE_MESSAGES = {
    CalendarSource.OFFICIAL: (
        messages.INFO,
        gettext_lazy(
            "%(year)s: working days follow the official State Council schedule; "
            "days entered here override it."
        ),
    ),
    CalendarSource.BUREAU: (
        messages.INFO,
        gettext_lazy(
            "%(year)s: no official schedule in the system; working days follow the days "
            "entered here, Monday to Friday otherwise."
        ),
    ),
    CalendarSource.FALLBACK: (
        messages.WARNING,
        gettext_lazy(
            "%(year)s: no official schedule and no days entered, so working days are simply "
            "Monday to Friday. Enter or import the holidays and adjusted working days as soon "
            "as they are published."
        ),
    ),
}


@admin.register(CalendarDay)
class CalendarDayAdmin(ImportExportModelAdmin):
    """Holidays and adjusted working days (调休) entered by the bureau; they win over the
    official schedule. Saving or deleting one takes effect at once (workdays cache signals)."""

    resource_classes = [CalendarDayResource]
    formats = [base_formats.XLSX, base_formats.CSV]
    list_display = ["date", "weekday", "kind", "name"]
    list_filter = ["kind", YearFilter]
    search_fields = ["name"]
    fields = ["date", "kind", "name"]

    @admin.display(description=gettext_lazy("weekday"), ordering="date")
    def weekday(self, obj):
        return formats.date_format(obj.date, "l")

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            self._tell_calendar_sources(request)
        return super().changelist_view(request, extra_context)

    def _tell_calendar_sources(self, request):
        """Which calendar the current and next year (and a filtered year) follow, so that staff
        see when a year falls back to Monday to Friday."""
        this_year = timezone.localdate().year
        years = [this_year, this_year + 1]
        chosen = _as_year(request.GET.get(YearFilter.parameter_name))
        if chosen and chosen not in years:
            years.append(chosen)
        for year in years:
            level, message = SOURCE_MESSAGES[workdays.calendar_source(year)]
            self.message_user(request, message % {"year": year}, level)
