"""Template filters of the spreadsheet import pages (templates/admin/spreadsheets/import.html)."""

from django import template

register = template.Library()


@register.filter
def label_of(labels, name):
    """The label people read for the column or field `name` (its name when it has none)."""
    return (labels or {}).get(name, name)


@register.filter
def sheet_row(number):
    """A data row's number as the spreadsheet shows it: the header is row 1."""
    try:
        return int(number) + 1
    except (TypeError, ValueError):
        return number


@register.filter
def cell(value):
    """A cell as the file had it: empty for an empty cell, not "None"."""
    return "" if value is None else value
