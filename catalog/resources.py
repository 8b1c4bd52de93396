"""Catalog spreadsheets (import-export): the bureau keeps the catalog in .xlsx or .csv files.

Rows are keyed on natural keys (category and item codes; item code + name for materials), so a
file exported here imports back with no change. One bad row and nothing of the file is saved.
Columns are headed by the labels the admin shows and choices written as their labels
(ipservice.spreadsheets.LabelledColumnsMixin); field names and codes are read too.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.instance_loaders import ModelInstanceLoader

from ipservice.spreadsheets import (
    ChoiceLabelWidget,
    LabelledColumnsMixin,
    YesNoWidget,
    join_labels,
    label_key,
    unescape_formula,
)

from .constants import Channel
from .models import Category, Material, ServiceItem


class WholeNumberWidget(widgets.IntegerWidget):
    """A whole number or an empty cell; 7.5 or "seven" is an error, never rounded."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        if isinstance(value, bool):
            raise ValueError(_("Enter a whole number, not “%(value)s”.") % {"value": value})
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = None
        # Huge exponents ("1e999999999") would make int() slow; no limit comes near 10^9.
        if (
            number is None
            or not number.is_finite()
            or number.adjusted() >= 9
            or number != number.to_integral_value()
        ):
            raise ValueError(_("Enter a whole number, not “%(value)s”.") % {"value": value})
        return int(number)


class CodeForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key by its code, with a readable error for an unknown code."""

    def __init__(self, model, message, **kwargs):
        super().__init__(model, field="code", **kwargs)
        self.message = message

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(self.message % {"value": value}) from None


class ChannelsWidget(widgets.Widget):
    """Channels as one cell, written as their labels ("窗口办理、网上办理"); read back from labels
    or codes ("window,online"), separated by 、 , ， or ;. An unknown word is kept as it is, for
    the model's check to name it."""

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return []
        text = str(value).replace("，", ",").replace("、", ",").replace(";", ",")
        codes = ChoiceLabelWidget(Channel.choices).lookup()
        parts = [part.strip() for part in text.split(",") if part.strip()]
        return [codes.get(label_key(part), part) for part in parts]

    def render(self, value, obj=None, **kwargs):
        labels = dict(Channel.choices)
        return "、".join(str(labels.get(code, code)) for code in value or [])


class QuietInstanceLoader(ModelInstanceLoader):
    """Treats a row whose key cannot be read (e.g. an unknown item code) as new.

    The same value then fails in import_instance(), where it is reported as a validation
    error of that row and field rather than as a crash.
    """

    def get_instance(self, row):
        try:
            return super().get_instance(row)
        except ValueError:
            return None


class CatalogResource(LabelledColumnsMixin, resources.ModelResource):
    """What every catalog spreadsheet shares: columns and choices by their labels, all columns
    required, formula escapes removed, model validation on every row, and the whole file rolled
    back on any bad row."""

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)  # the headers renamed to the column names
        labels = self.labels()
        missing = [label for name, label in labels.items() if name not in (dataset.headers or [])]
        if missing:
            raise ValidationError(
                _("Row 1 (the header) lacks the column(s): %(columns)s.")
                % {"columns": join_labels(missing)}
            )

    def before_import_row(self, row, **kwargs):
        for key, value in row.items():
            row[key] = unescape_formula(value)

    def import_data(self, dataset, *args, **kwargs):
        # A file is all or nothing, also outside the admin's preview-then-confirm flow.
        kwargs.setdefault("rollback_on_validation_errors", True)
        return super().import_data(dataset, *args, **kwargs)

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        widget = super().widget_from_django_field(f, default)
        if widget is widgets.BooleanWidget:
            return YesNoWidget
        return WholeNumberWidget if widget is widgets.IntegerWidget else widget


class CategoryResource(CatalogResource):
    class Meta:
        model = Category
        import_id_fields = ("code",)
        fields = ("code", "name", "name_en", "order")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class ServiceItemResource(CatalogResource):
    category = fields.Field(
        attribute="category",
        column_name="category",
        widget=CodeForeignKeyWidget(
            Category, gettext_lazy("There is no category with the code “%(value)s”.")
        ),
    )
    channels = fields.Field(attribute="channels", column_name="channels", widget=ChannelsWidget())

    class Meta:
        model = ServiceItem
        import_id_fields = ("code",)
        fields = ServiceItem.EDITABLE_FIELDS
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return super().get_queryset().select_related("category")


class MaterialResource(CatalogResource):
    item = fields.Field(
        attribute="item",
        column_name="item",
        widget=CodeForeignKeyWidget(
            ServiceItem, gettext_lazy("There is no item with the code “%(value)s”.")
        ),
    )

    class Meta:
        model = Material
        import_id_fields = ("item", "name")
        fields = (
            "item",
            "name",
            "name_en",
            "form",
            "copies",
            "required",
            "tolerable",
            "note",
            "note_en",
            "order",
            "is_example",
        )
        instance_loader_class = QuietInstanceLoader
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return super().get_queryset().select_related("item")
