import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext, gettext_lazy, ngettext
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats

from ipservice import dates
from ipservice.spreadsheets import SpreadsheetAdminMixin
from windows.models import is_bureau

from . import outbox, texts, workdays
from .constants import CalendarSource, NoticeChannel, NoticeStatus
from .masking import mask_phone
from .models import CalendarDay, MessageTemplate, Notice, SmsOutbox
from .resources import MAX_YEAR, MIN_YEAR, CalendarDayResource


class YearFilter(admin.SimpleListFilter):
    title = gettext_lazy("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        this_year = dates.today().year
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
class CalendarDayAdmin(SpreadsheetAdminMixin, ImportExportModelAdmin):
    """Holidays and adjusted working days (调休) entered by the bureau; they win over the
    official schedule. Saving or deleting one takes effect at once (workdays cache signals).
    Spreadsheets with the labels the admin shows, errors in full (SpreadsheetAdminMixin)."""

    resource_classes = [CalendarDayResource]
    import_template_name = "admin/appointments/calendar_import.html"
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
        this_year = dates.today().year
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
    """What was sent to whom, and what failed; recipients masked as in every list."""

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
        return outbox.mask_recipient(obj)

    @admin.display(description=gettext_lazy("text"))
    def text(self, obj):
        return _without_tokens(obj.body)

    @admin.action(
        description=gettext_lazy("Retry the selected failed notices"),
        permissions=["retry"],
    )
    def retry_failed(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = outbox.requeue_failed(ids)
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


# The bureau's texts (overrides of templates/messages/) ---------------------------------------


class MessageTemplateForm(forms.ModelForm):
    """Checks a text as appointments.texts renders it: the purpose's placeholders only, valid
    syntax, no tag that loads or includes anything."""

    purpose = forms.ChoiceField(
        label=gettext_lazy("purpose"),
        choices=[(p.name, f"{p.label} ({p.name})") for p in texts.PURPOSES.values()],
    )

    class Meta:
        model = MessageTemplate
        fields = ["purpose", "channel", "language", "subject", "body", "active"]

    def clean(self):
        cleaned = super().clean()
        purpose = cleaned.get("purpose") or self.instance.purpose
        channel = cleaned.get("channel") or self.instance.channel
        if purpose not in texts.PURPOSES or not channel:
            return cleaned
        if channel not in texts.PURPOSES[purpose].channels:
            self.add_error("channel", gettext("This message is not sent by this channel."))
            return cleaned
        if channel == NoticeChannel.SMS:
            cleaned["subject"] = ""  # an SMS has no subject
            if (cleaned.get("body") or "").lstrip().startswith("【"):
                self.add_error(
                    "body",
                    gettext("Leave out the signature in 【】: it is added to every SMS."),
                )
        elif not cleaned.get("subject"):
            self.add_error("subject", gettext("An email needs a subject."))
        for name in ("subject", "body"):
            self._check(purpose, name, cleaned.get(name))
        return cleaned

    def _check(self, purpose, name, text):
        if not text:
            return
        try:
            texts.check(purpose, text)
        except ValidationError as error:
            self.add_error(name, error)


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """The bureau changes what an SMS or email says. An active row replaces the file for its
    purpose, channel and language; deactivating or deleting it brings the file back. Only the
    bureau (its group, with the model's permissions, or a superuser) sees these."""

    form = MessageTemplateForm
    list_display = ["purpose_label", "channel", "language", "active", "updated_by", "updated_at"]
    list_filter = ["active", "channel", "language", "purpose"]
    fields = [
        "purpose",
        "channel",
        "language",
        "active",
        "subject",
        "body",
        "placeholders",
        "preview",
        "default_text",
        "updated_by",
        "updated_at",
    ]
    readonly_fields = ["placeholders", "preview", "default_text", "updated_by", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return ["purpose", "channel", "language", *self.readonly_fields]

    def get_changeform_initial_data(self, request):
        """?purpose=…&channel=…&language=… starts from the file's text."""
        initial = super().get_changeform_initial_data(request)
        purpose, channel = initial.get("purpose"), initial.get("channel")
        language = initial.get("language")
        if purpose in texts.PURPOSES and channel in texts.PURPOSES[purpose].channels and language:
            subject, body = texts.file_source(purpose, channel, texts.supported_language(language))
            initial.update(subject=subject.strip(), body=body.strip())
        return initial

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=gettext_lazy("purpose"), ordering="purpose")
    def purpose_label(self, obj):
        purpose = texts.PURPOSES.get(obj.purpose)
        return f"{purpose.label} ({obj.purpose})" if purpose else obj.purpose

    @admin.display(description=gettext_lazy("placeholders it may use"))
    def placeholders(self, obj):
        if obj is None or obj.purpose not in texts.PURPOSES:
            return format_html_join("", "<p><b>{}</b> ({}): {}</p>", self._all_placeholders())
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><code>{{{{ {} }}}}</code> {} · {}</li>",
                self._placeholder_rows(texts.PURPOSES[obj.purpose]),
            ),
        )

    def _placeholder_rows(self, purpose):
        for name, placeholder in purpose.placeholders.items():
            sample = placeholder.sample
            shown = sample if not isinstance(sample, list) else gettext("a list")
            yield name, placeholder.help, gettext("e.g. %(sample)s") % {"sample": shown}

    def _all_placeholders(self):
        for purpose in texts.PURPOSES.values():
            names = ", ".join(f"{{{{ {name} }}}}" for name in purpose.placeholders)
            yield purpose.label, purpose.name, names

    @admin.display(description=gettext_lazy("preview with sample values"))
    def preview(self, obj):
        if obj is None or obj.pk is None:
            return gettext("Save the text to see its preview.")
        message = texts.preview(
            obj.purpose, obj.channel, obj.subject, obj.body, language=obj.language
        )
        if obj.channel != NoticeChannel.SMS:
            return _pre(message)
        length = gettext("%(characters)s characters: %(segments)s SMS (%(budget)s at most).") % {
            "characters": len(message.body),
            "segments": texts.sms_segments(message.body),
            "budget": texts.PURPOSES[obj.purpose].sms_segments,
        }
        return format_html("{}<p>{}</p>", _pre(message), length)

    @admin.display(description=gettext_lazy("default text (the file)"))
    def default_text(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        subject, body = texts.file_source(obj.purpose, obj.channel, obj.language)
        return _pre(texts.Message(subject=subject.strip(), body=body.strip()))

    # Only the bureau: window staff never edit what the portal says, whatever their permissions.
    def has_module_permission(self, request):
        return is_bureau(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_bureau(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return is_bureau(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return is_bureau(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_bureau(request.user) and super().has_delete_permission(request, obj)


def _pre(message):
    if message.subject:
        return format_html(
            '<p><b>{}</b></p><pre style="white-space: pre-wrap">{}</pre>',
            message.subject,
            message.body,
        )
    return format_html('<pre style="white-space: pre-wrap">{}</pre>', message.body)
