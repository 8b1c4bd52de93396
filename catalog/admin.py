from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from ipservice.spreadsheets import SPREADSHEET_FORMATS, SpreadsheetAdminMixin

from .forms import ServiceItemAdminForm
from .models import Category, Material, ServiceItem
from .resources import CategoryResource, MaterialResource, ServiceItemResource


class CatalogImportExportAdmin(SpreadsheetAdminMixin, ImportExportModelAdmin):
    """Spreadsheet import (preview, then confirm) and export for the bureau: columns by the
    labels people read, errors in full (SpreadsheetAdminMixin)."""

    formats = SPREADSHEET_FORMATS
    import_template_name = "admin/catalog/import.html"
    # A byte-order mark so that Excel opens an exported CSV as UTF-8, not as GBK.
    to_encoding = "utf-8-sig"

    def get_export_data(self, file_format, request, queryset, **kwargs):
        # The library spots binary formats by exact class, so it would miss SafeXLSX and
        # write limits as text; native cells keep them numbers (and empty cells empty).
        if not self.has_export_permission(request):
            raise PermissionDenied
        binary = file_format.is_binary()
        data = self.get_data_for_export(request, queryset, force_native_type=binary, **kwargs)
        export_data = file_format.export_data(data)
        encoding = kwargs.get("encoding")
        return export_data if binary or not encoding else export_data.encode(encoding)


@admin.register(Category)
class CategoryAdmin(CatalogImportExportAdmin):
    resource_classes = [CategoryResource]
    list_display = ["code", "name", "name_en", "order"]
    list_editable = ["order"]
    search_fields = ["code", "name", "name_en"]


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 1
    fields = [
        "order",
        "name",
        "name_en",
        "form",
        "copies",
        "required",
        "tolerable",
        "note",
        "note_en",
        "is_example",
    ]


@admin.register(ServiceItem)
class ServiceItemAdmin(CatalogImportExportAdmin):
    resource_classes = [ServiceItemResource]
    form = ServiceItemAdminForm
    inlines = [MaterialInline]
    list_display = [
        "code",
        "name",
        "category",
        "ip_type",
        "level",
        "legal_limit_days",
        "promised_limit_days",
        "green_channel",
        "active",
    ]
    list_filter = ["category", "ip_type", "level", "green_channel", "active", "is_demo"]
    list_select_related = ["category"]
    search_fields = ["code", "name", "name_en"]
    fieldsets = [
        (None, {"fields": ["code", "name", "name_en", "category", "ip_type", "level"]}),
        (
            _("Time limits (working days)"),
            {"fields": ["legal_limit_days", "promised_limit_days"]},
        ),
        (
            _("Guide"),
            {
                "fields": [
                    "guide",
                    "guide_en",
                    "fee",
                    "legal_basis",
                    "channels",
                    "consult_phone",
                    "green_channel",
                ]
            },
        ),
        (_("Publication"), {"fields": ["active", "order", "is_demo"]}),
    ]


@admin.register(Material)
class MaterialAdmin(CatalogImportExportAdmin):
    resource_classes = [MaterialResource]
    list_display = ["name", "item", "form", "copies", "required", "tolerable", "is_example"]
    list_filter = ["item__category", "required", "tolerable", "is_example", "form"]
    list_select_related = ["item"]
    search_fields = ["name", "name_en", "item__code", "item__name"]
    autocomplete_fields = ["item"]
