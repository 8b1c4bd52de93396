"""The bureau's working-day calendar as a spreadsheet (import-export, .xlsx or .csv).

Columns 日期, 类型, 名称 (the labels the admin shows, in the active language; `date`, `kind`,
`name` and a few usual words are read too), the kind written as the admin shows it (节假日（放假）,
调休工作日; `holiday`, `workday`, 放假, 调休上班… are read too); rows are keyed on the date, so
importing a file again updates the same days and a file exported here imports back with no
change. One bad row, or a missing column, and nothing of the file is saved.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from ipservice.spreadsheets import (
    ChoiceLabelWidget,
    LabelledColumnsMixin,
    escape_formula,
    join_labels,
    label_key,
    unescape_formula,
)

from .constants import DayKind
from .models import CalendarDay

# Years a calendar row may be entered for; anything else is a typing mistake.
MIN_YEAR, MAX_YEAR = 2000, 2100
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
HEADER_ALIASES = {
    "日期": "date",
    "类型": "kind",
    "种类": "kind",
    "名称": "name",
    "名字": "name",
}
REQUIRED_COLUMNS = ("date", "kind")
KIND_ALIASES = {
    "holiday": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "放假": DayKind.HOLIDAY,
    "休息": DayKind.HOLIDAY,
    "休息日": DayKind.HOLIDAY,
    "节假日": DayKind.HOLIDAY,
    "上班": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
    "工作日": DayKind.WORKDAY,
}


def _blank(value):
    return value is None or str(value).strip() == ""


class DayWidget(widgets.Widget):
    """A date as text (2027-01-01, 2027/1/1, 2027年1月1日) or as a spreadsheet date cell."""

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            raise ValueError(_("The date is missing."))
        day = self._parse(value)
        if day is None:
            message = _("“%(value)s” is not a date. Write it as YYYY-MM-DD, e.g. 2027-01-01.")
            raise ValueError(message % {"value": value})
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            message = _("The year must be between %(min)s and %(max)s.")
            raise ValueError(message % {"min": MIN_YEAR, "max": MAX_YEAR})
        return day

    @staticmethod
    def _parse(value):
        if isinstance(value, dt.datetime):  # an .xlsx date cell
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        return None

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class KindWidget(ChoiceLabelWidget):
    """The kind as the admin shows it (节假日（放假）, 调休工作日), in either language; the codes
    `holiday`, `workday` and the usual Chinese words (放假, 调休上班…) are read too."""

    def __init__(self):
        super().__init__(DayKind.choices, aliases=KIND_ALIASES)

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            raise ValueError(_("The kind is missing: write holiday or workday."))
        kind = self.lookup().get(label_key(value))
        if kind is None:
            message = _("Unknown kind “%(value)s”: write holiday (放假) or workday (调休上班).")
            raise ValueError(message % {"value": value})
        return kind


class NameWidget(widgets.CharWidget):
    """Free text that a spreadsheet must never run as a formula (CSV injection).

    A name starting with = + - @ (or with the escape quote itself) is exported with a leading
    quote, which import removes again, so the round trip is lossless. The library's own escaping
    (IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT) drops the "=" instead and lets "+ - @" through.
    """

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row=row, **kwargs)
        return unescape_formula(text)

    def render(self, value, obj=None, **kwargs):
        return escape_formula(value or "")


class CalendarDayResource(LabelledColumnsMixin, resources.ModelResource):
    date = fields.Field(attribute="date", column_name="date", widget=DayWidget())
    kind = fields.Field(attribute="kind", column_name="kind", widget=KindWidget())
    name = fields.Field(attribute="name", column_name="name", widget=NameWidget())

    class Meta:
        model = CalendarDay
        fields = ("date", "kind", "name")
        export_order = ("date", "kind", "name")
        import_id_fields = ("date",)
        skip_unchanged = True
        report_skipped = True
        # Runs the model's own checks too (name length, kind choices).
        clean_model_instances = True

    header_aliases = HEADER_ALIASES

    def import_data(self, dataset, **kwargs):
        # A bad row must not let the good ones through, also outside the admin.
        kwargs.setdefault("rollback_on_validation_errors", True)
        _drop_blank_rows(dataset)
        self.rename_headers(dataset)
        missing = [column for column in REQUIRED_COLUMNS if column not in (dataset.headers or ())]
        if missing:
            return self._refused(dataset, missing)
        return super().import_data(dataset, **kwargs)

    def _refused(self, dataset, missing):
        """The whole file is refused: one readable error, no traceback, nothing imported."""
        result = self.get_result_class()()
        result.diff_headers = self.get_diff_headers()
        result.total_rows = len(dataset)
        labels = self.labels()
        message = _("The file has no column %(missing)s. The columns are: %(columns)s.")
        error = ValueError(
            message
            % {
                "missing": join_labels(labels[column] for column in missing),
                "columns": join_labels(labels.values()),
            }
        )
        result.append_base_error(self.get_error_result_class()(error))
        return result

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._first_row_of = {}

    def before_import_row(self, row, row_number=None, **kwargs):
        """The same date twice in one file is a mistake, not an update."""
        try:
            day = self.fields["date"].clean(row)
        except ValueError:
            return  # reported on this row by import_instance()
        first = self._first_row_of.setdefault(day, row_number)
        if first != row_number:
            message = _("%(date)s is already in row %(row)s.")
            raise ValidationError({"date": message % {"date": day, "row": first}})

    def get_instance(self, instance_loader, row):
        # An unreadable date would otherwise crash the lookup with a traceback; as a new row it
        # fails in import_instance() and is reported as this row's date error.
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None


def _drop_blank_rows(dataset):
    """Trailing blank rows dropped: spreadsheet programs often keep a few."""
    while len(dataset) and all(_blank(cell) for cell in dataset[len(dataset) - 1]):
        del dataset[len(dataset) - 1]
