"""Spreadsheet import/export (xlsx, csv) of districts and service points, keyed on `code`.

Service point columns: code, name, name_en, kind, level, district (its GB/T 2260 code, empty for a
city-level point), address, address_en, phone, counters, people_per_slot, slot_minutes,
horizon_days, items (item codes separated by commas), opening_hours (the format of
windows/hours.py, e.g. "1-5 09:00-12:00,13:30-17:00; 6 09:00-12:00"), active and is_demo (是 or
否; 1 or 0 too). The headers are the labels the admin shows (名称, 英文地址…) and kind and level
their labels; field names and codes are read too (catalog.resources.CatalogResource).

One file is one transaction: a missing column, or any bad row (unknown district or item code, bad
hours text, a number that is not whole, a model rule broken), is reported with its row number and
nothing of the file is saved.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, widgets

from catalog.models import ServiceItem

# The catalog's spreadsheet rules, shared: every column required, formula cells escaped on export
# (by its SafeXLSX/SafeCSV formats) and unescaped on import, whole numbers only, model validation
# on every row and the whole file rolled back on any bad row.
from catalog.resources import CatalogResource
from ipservice.spreadsheets import cell_text

from . import hours
from .models import District, ServicePoint
from .services import set_opening_hours


class DistrictCodeWidget(widgets.ForeignKeyWidget):
    def __init__(self):
        super().__init__(District, field="code")

    def clean(self, value, row=None, **kwargs):
        code = cell_text(value)
        if not code:
            return None
        try:
            return District.objects.get(code=code)
        except District.DoesNotExist:
            raise ValueError(_('Unknown district code "%(code)s".') % {"code": code}) from None


class ItemCodesWidget(widgets.ManyToManyWidget):
    """Item codes separated by commas; an unknown code is an error, never silently dropped."""

    def __init__(self):
        super().__init__(ServiceItem, separator=",", field="code")

    def clean(self, value, row=None, **kwargs):
        codes = list(dict.fromkeys(filter(None, (c.strip() for c in cell_text(value).split(",")))))
        found = list(ServiceItem.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {item.code for item in found})
        if unknown:
            raise ValueError(
                _("Unknown service item code(s): %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return found

    def render(self, value, obj=None, **kwargs):
        return ",".join(sorted(item.code for item in value.all())) if value is not None else ""


class OpeningHoursWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return hours.parse_hours(cell_text(value))

    def render(self, value, obj=None, **kwargs):
        return value or ""


class OpeningHoursField(fields.Field):
    """The weekly opening periods as one text cell.

    On import the parsed periods wait on the instance (the periods of a new point can only be
    written once it has a primary key) and after_save_instance writes them. get_value gives the
    waiting value when there is one, so skip_row and the import diff compare the file with the
    database like any other column.
    """

    def __init__(self):
        super().__init__(
            attribute="opening_periods", column_name="opening_hours", widget=OpeningHoursWidget()
        )

    def save(self, instance, row, is_m2m=False, **kwargs):
        instance._imported_hours = self.clean(row, **kwargs)

    def get_value(self, instance):
        waiting = getattr(instance, "_imported_hours", None)
        if waiting is not None:
            return hours.format_hours(waiting)
        if instance.pk is None:
            return ""
        return hours.format_hours(instance.opening_periods.all())


class DistrictResource(CatalogResource):
    class Meta:
        model = District
        import_id_fields = ("code",)
        fields = ("code", "name", "name_en")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


class ServicePointResource(CatalogResource):
    district = fields.Field(
        attribute="district", column_name="district", widget=DistrictCodeWidget()
    )
    items = fields.Field(attribute="items", column_name="items", widget=ItemCodesWidget())
    opening_hours = OpeningHoursField()
    column_labels = {"opening_hours": gettext_lazy("opening hours")}

    class Meta:
        model = ServicePoint
        import_id_fields = ("code",)
        fields = (
            "code",
            "name",
            "name_en",
            "kind",
            "level",
            "district",
            "address",
            "address_en",
            "phone",
            "counters",
            "people_per_slot",
            "slot_minutes",
            "horizon_days",
            "items",
            "opening_hours",
            "active",
            "is_demo",
        )
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def filter_export(self, queryset, **kwargs):
        # One query per relation for the whole export, whatever the number of points.
        return queryset.select_related("district").prefetch_related("opening_periods", "items")

    def import_instance(self, instance, row, **kwargs):
        # Item codes are checked now, with the other columns, so that an unknown code is a
        # validation error of this row rather than a failure after the point was saved.
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        try:
            self.fields["items"].clean(row)
        except ValueError as exc:
            errors["items"] = ValidationError(str(exc), code="invalid")
        if errors:
            raise ValidationError(errors)

    def after_save_instance(self, instance, row, **kwargs):
        waiting = getattr(instance, "_imported_hours", None)
        dry_run_without_transaction = kwargs.get("dry_run") and not kwargs.get("using_transactions")
        if waiting is not None and not dry_run_without_transaction:
            set_opening_hours(instance, waiting)
