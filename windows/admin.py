from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The catalog's admin base: the formula-safe xlsx/csv formats, UTF-8 CSV for Excel, native cell
# types in xlsx exports, and an import page that lists row errors without tracebacks.
from catalog.admin import CatalogImportExportAdmin

from .models import District, OpeningPeriod, ServicePoint, StaffMembership
from .resources import DistrictResource, ServicePointResource


class RegistryImportExportAdmin(CatalogImportExportAdmin):
    import_template_name = "admin/windows/import.html"


@admin.register(District)
class DistrictAdmin(RegistryImportExportAdmin):
    resource_classes = [DistrictResource]
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name", "name_en"]


class OpeningPeriodFormSet(BaseInlineFormSet):
    def clean(self):
        """Periods of one day must not overlap (they may touch: 12:00–13:00 after 09:00–12:00)."""
        super().clean()
        periods = sorted(
            (f.cleaned_data["weekday"], f.cleaned_data["start"], f.cleaned_data["end"])
            for f in self.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and all(f.cleaned_data.get(k) is not None for k in ("weekday", "start", "end"))
        )
        for (day1, _s1, end1), (day2, start2, _e2) in zip(periods, periods[1:], strict=False):
            if day1 == day2 and start2 < end1:
                raise ValidationError(_("Two periods of the same day overlap."))


class OpeningPeriodInline(admin.TabularInline):
    model = OpeningPeriod
    formset = OpeningPeriodFormSet
    extra = 0


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(ServicePoint)
class ServicePointAdmin(RegistryImportExportAdmin):
    resource_classes = [ServicePointResource]
    list_display = ["name", "code", "kind", "level", "district", "capacity_display", "active"]
    list_filter = ["level", "kind", "district", "active", "is_demo"]
    search_fields = ["code", "name", "name_en", "address"]
    list_select_related = ["district"]
    filter_horizontal = ["items"]
    inlines = [OpeningPeriodInline, StaffMembershipInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "name_en", "kind", "level", "district", "active"]}),
        (gettext_lazy("Contact"), {"fields": ["address", "address_en", "phone", "is_demo"]}),
        (
            gettext_lazy("Booking capacity"),
            {"fields": ["counters", "people_per_slot", "slot_minutes", "horizon_days"]},
        ),
        (gettext_lazy("Services"), {"fields": ["items"]}),
    ]

    @admin.display(description=gettext_lazy("capacity per slot"))
    def capacity_display(self, obj):
        return obj.capacity
