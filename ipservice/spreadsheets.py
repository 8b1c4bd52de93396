"""Spreadsheet safety shared by every import, export and download of the portal.

A cell starting with = + - @ (or a tab or carriage return) is run as a formula by spreadsheet
programs (CSV injection), so such text is written with a leading quote.
"""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy, pgettext
from import_export import widgets
from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm

# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Prefixed to such a cell on export and removed on import. A cell that already starts with the
# quote is prefixed too, so that the round trip stays lossless.
ESCAPE = "'"


def escape_formula(value):
    if isinstance(value, str) and value.startswith((*FORMULA_STARTS, ESCAPE)):
        return ESCAPE + value
    return value


def unescape_formula(value):
    if isinstance(value, str) and value.startswith(ESCAPE) and value[1:2]:
        if value[1:].startswith((*FORMULA_STARTS, ESCAPE)):
            return value[1:]
    return value


class FormulaSafeMixin:
    """Escapes formula-like text cells; non-text cells (numbers, empty limits) stay as they are.

    The library's own escaping only drops a leading "=" (so "+", "-", "@" pass, and the value
    changes) and turns every cell into text (an empty limit becomes "None"). This replaces it,
    still under IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT.
    """

    def _escape_formulae(self, dataset):
        rows = [[escape_formula(cell) for cell in row] for row in dataset]
        headers = dataset.headers
        dataset.wipe()
        dataset.headers = headers
        dataset.extend(rows)


class SafeXLSX(FormulaSafeMixin, base_formats.XLSX):
    pass


class SafeCSV(FormulaSafeMixin, base_formats.CSV):
    pass


# The import-export admins offer these two.
SPREADSHEET_FORMATS = [SafeXLSX, SafeCSV]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Columns and values as people read them ------------------------------------------------------
#
# A spreadsheet is written with the labels the admin shows: each column headed by its field's
# verbose name, each choice by its label (节假日（放假）, not `holiday`), in the active language.
# Reading one back accepts those labels in any of the portal's languages, and the plain field
# names and codes too, so a file made by a program, or exported before, still imports.


def cell_text(value):
    """A cell as text: spreadsheets hand over 310104 or 310104.0 where we want "310104"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def label_key(text):
    """How a header or a label is matched: case, spaces and full-width brackets don't matter."""
    text = cell_text(text).casefold().replace("（", "(").replace("）", ")")
    return "".join(text.split())


def join_labels(labels):
    """Labels as a list in a sentence: "名称、类型" in Chinese, "name, kind" in English."""
    return pgettext("list separator", ", ").join(str(label) for label in labels)


def in_every_language(label):
    """The label (a lazy translation) as each of the portal's languages writes it."""
    names = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            names.append(str(label))
    return names


class ChoiceLabelWidget(widgets.Widget):
    """A choice written as its label in the active language; read back from its label in any
    language, its code, or one of `aliases` ({"放假": "holiday"})."""

    def __init__(self, choices, aliases=None, **kwargs):
        super().__init__(**kwargs)
        self.choices = list(choices)
        self.aliases = dict(aliases or {})

    def clean(self, value, row=None, **kwargs):
        if not cell_text(value):
            return ""  # the model's own check says whether it may be empty
        found = self.lookup().get(label_key(value))
        if found is None:
            raise ValueError(
                gettext("“%(value)s” is not one of: %(choices)s.")
                % {"value": value, "choices": join_labels(label for _v, label in self.choices)}
            )
        return found

    def lookup(self):
        table = {label_key(alias): value for alias, value in self.aliases.items()}
        for value, label in self.choices:
            table[label_key(value)] = value
            table.update((label_key(name), value) for name in in_every_language(label))
        return table

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices).get(value, value or ""))


class YesNoWidget(widgets.BooleanWidget):
    """是 or 否 (Yes or No in English); read back from those, 1/0, true/false or yes/no.
    Anything else is an error rather than a silent "no"."""

    WORDS = {"1": True, "true": True, "yes": True, "是": True}
    WORDS |= {"0": False, "false": False, "no": False, "否": False}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        words = dict(self.WORDS)
        for word, meaning in ((gettext_lazy("Yes"), True), (gettext_lazy("No"), False)):
            words.update((label_key(name), meaning) for name in in_every_language(word))
        found = words.get(label_key(value))
        if found is None:
            raise ValueError(
                gettext("“%(value)s” is neither 是 nor 否 (yes or no, 1 or 0).")
                % {"value": cell_text(value)}
            )
        return found

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return gettext("Yes") if value else gettext("No")


class LabelledColumnsMixin:
    """For a ModelResource: columns headed by the verbose names of their fields (or by
    `column_labels` for a column that is no model field), choices written as their labels.

    Inside, each column keeps its field name (`Field.column_name`): before_import renames the
    file's headers to them, whichever of a column's names (its label in any language, its
    field name) the file uses."""

    column_labels = {}  # column name -> label, for columns that are no model field
    header_aliases = {}  # further names a file may use -> column name

    def column_label(self, field):
        if field.column_name in self.column_labels:
            return self.column_labels[field.column_name]
        attribute = (field.attribute or "").removesuffix("_id")
        try:
            return self._meta.model._meta.get_field(attribute).verbose_name
        except FieldDoesNotExist:
            return field.column_name

    def labels(self):
        """{column name: its label in the active language} of the import columns."""
        return {f.column_name: str(self.column_label(f)) for f in self.get_import_fields()}

    def error_labels(self):
        """labels(), also under the names a row's errors are keyed by (the fields' attributes)."""
        labels = self.labels()
        for field in self.get_import_fields():
            attribute = (field.attribute or "").removesuffix("_id")
            labels.setdefault(attribute, labels[field.column_name])
        return labels

    def get_export_headers(self, selected_fields=None):
        return [str(self.column_label(f)) for f in self.get_export_fields(selected_fields)]

    def get_diff_headers(self):
        return list(self.labels().values())

    def after_export(self, queryset, dataset, **kwargs):
        super().after_export(queryset, dataset, **kwargs)
        dataset.title = self.sheet_title()

    def sheet_title(self):
        """The sheet's name: what the rows are (服务事项), at most 31 characters (Excel)."""
        return str(self._meta.model._meta.verbose_name_plural)[:31]

    def before_import(self, dataset, **kwargs):
        self.rename_headers(dataset)
        super().before_import(dataset, **kwargs)

    def rename_headers(self, dataset):
        names = {label_key(alias): column for alias, column in self.header_aliases.items()}
        for field in self.get_import_fields():
            names[label_key(field.column_name)] = field.column_name
            for label in in_every_language(self.column_label(field)):
                names[label_key(label)] = field.column_name
        if dataset.headers:
            dataset.headers = [names.get(label_key(h), cell_text(h)) for h in dataset.headers]

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        field = super().field_from_django_field(field_name, django_field, readonly)
        if django_field.choices:
            field.widget = ChoiceLabelWidget(django_field.choices)
        return field


class LabelledExportForm(SelectableFieldsExportForm):
    """The admin's export form, its column checkboxes named as the file will head them
    (名称, 英文名称) rather than after the field names ("Name En")."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        for resource_class in resources:
            resource = resource_class()
            for field in resource.get_export_fields():
                name = self.create_boolean_field_name(resource_class, field.column_name)
                if name in self.fields:
                    self.fields[name].label = resource.column_label(field)


class SpreadsheetAdminMixin:
    """For an ImportExportModelAdmin whose resources use LabelledColumnsMixin: the export
    form's labels, the columns listed by their labels, and errors shown in full on the page
    (admin/spreadsheets/import.html: row, column, message) rather than behind a badge."""

    export_form_class = LabelledExportForm
    import_template_name = "admin/spreadsheets/import.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        resources = [resource_class() for resource_class in self.get_resource_classes(None)]
        context["column_labels"] = {k: v for r in resources for k, v in r.error_labels().items()}
        context["labelled_fields_list"] = [
            (r.get_display_name(), list(r.labels().values())) for r in resources
        ]
        return context
