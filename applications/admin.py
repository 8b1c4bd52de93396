from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from appointments.masking import mask_email, mask_name, mask_phone

from .models import Application, ApplicationEvent, PrereviewLimit


@admin.register(PrereviewLimit)
class PrereviewLimitAdmin(admin.ModelAdmin):
    list_display = ["item", "amount", "unit"]
    autocomplete_fields = ["item"]


class EventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-only: applications move through their pages and API only (applications.services)."""

    list_display = ["reference", "item", "window", "status", "masked_name", "masked_phone"]
    list_filter = ["status", "delivery", "is_demo"]
    search_fields = ["reference"]
    inlines = [EventInline]
    # The language only says in which one the applicant's notices are written: not shown.
    exclude = ["name", "phone", "id_number", "email", "address", "language"]
    readonly_fields = ["masked_email"]

    @admin.display(description=pgettext_lazy("person", "name"))
    def masked_name(self, obj):
        return mask_name(obj.name)

    @admin.display(description=_("mobile number"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    @admin.display(description=_("email"))
    def masked_email(self, obj):
        return mask_email(obj.email)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
