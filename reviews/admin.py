"""Admin of the 好差评 records, for the bureau to look things up.

Ratings, steps and decisions are evidence: they are made by the person served and through the
workflow pages (reviews.services), so the admin shows them read-only and lists mask personal
data (docs/architecture.md, "Where each rule lives").
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from appointments.masking import mask_name, mask_phone

from .models import Appeal, Complaint, Rating, Rectification, Step


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StepInline(admin.TabularInline):
    model = Step
    fields = ("at", "kind", "actor", "method", "notes")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("case", "score", "window", "item", "staff", "channel", "created_at", "excluded")
    list_filter = ("score", "channel", "excluded", "window")
    list_select_related = ("case", "window", "item", "staff")
    search_fields = ("case__reference",)
    date_hierarchy = "created_at"


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ("id", "rating", "window", "status", "opened_on", "rectify_due", "closed_at")
    list_filter = ("status", "is_complex", "window")
    list_select_related = ("rating__case", "window")
    search_fields = ("rating__case__reference",)
    inlines = [StepInline]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("rating", "filed_by", "filed_at", "decision", "decided_by", "decided_at")
    list_filter = ("decision",)
    list_select_related = ("rating__case", "filed_by", "decided_by")


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("reference", "masked_name", "masked_phone", "matter", "status", "due")
    list_filter = ("status", "window")
    search_fields = ("reference",)
    exclude = ("name", "phone")
    readonly_fields = ("masked_name", "masked_phone")
    inlines = [StepInline]

    @admin.display(description=pgettext_lazy("person", "name"))
    def masked_name(self, obj):
        return mask_name(obj.name)

    @admin.display(description=_("mobile number"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)
