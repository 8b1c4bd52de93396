import re

from django.contrib import admin, messages
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext, gettext_lazy, ngettext
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats

from . import notices, workdays
from .constants import CalendarSource, NoticeStatus
from .masking import mask_phone
from .models import CalendarDay, Notice, SmsOutbox
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


# Notices and the SMS outbox (read-only) -------------------------------------------------------

# The manage link's token in a message body is the key to the person's booking: never shown.
_TOKEN = re.compile(r"(token=)[0-9A-Za-z]+")


def _without_tokens(text):
    return _TOKEN.sub(r"\1…", text or "")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the system only: staff look, never add, edit or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    """What was sent to whom, and what failed; recipients masked as in every list (DESIGN §3)."""

    list_display = [
        "created_at",
        "channel",
        "masked_recipient",
        "template",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "channel", "template", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["key"]
    ordering = ["-created_at", "-pk"]
    actions = ["retry_failed"]
    fields = [
        "key",
        "channel",
        "masked_recipient",
        "template",
        "status",
        "attempts",
        "error",
        "created_at",
        "sent_at",
        "subject",
        "text",
    ]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("recipient"))
    def masked_recipient(self, obj):
        return notices.mask_recipient(obj)

    @admin.display(description=gettext_lazy("text"))
    def text(self, obj):
        return _without_tokens(obj.body)

    @admin.action(
        description=gettext_lazy("Retry the selected failed notices"),
        permissions=["retry"],
    )
    def retry_failed(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = notices.requeue_failed(ids)
        for notice in Notice.objects.filter(pk__in=ids, status=NoticeStatus.QUEUED):
            self.log_change(request, notice, gettext("Queued again from the admin."))
        message = ngettext(
            "%(count)d failed notice queued again.",
            "%(count)d failed notices queued again.",
            count,
        ) % {"count": count}
        self.message_user(request, message, messages.SUCCESS if count else messages.WARNING)

    def has_retry_permission(self, request):
        return request.user.has_perm("appointments.change_notice")


@admin.register(SmsOutbox)
class SmsOutboxAdmin(ReadOnlyAdmin):
    """Where the development SMS backend puts messages."""

    list_display = ["created_at", "masked_phone", "short_text"]
    ordering = ["-pk"]
    fields = ["created_at", "masked_phone", "text"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("mobile number"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    @admin.display(description=gettext_lazy("text"))
    def short_text(self, obj):
        return Truncator(_without_tokens(obj.body)).chars(60)

    @admin.display(description=gettext_lazy("text"))
    def text(self, obj):
        return _without_tokens(obj.body)
