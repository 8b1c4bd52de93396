"""Spreadsheet safety shared by every import, export and download of the portal.

A cell starting with = + - @ (or a tab or carriage return) is run as a formula by spreadsheet
programs (CSV injection), so such text is written with a leading quote.
"""

from import_export.formats import base_formats

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
