"""Notes the system writes on a case's timeline, in the reader's language.

A clerk's own words (a rejection's reason) are kept as written, in `CaseEvent.note`. What the
portal itself says (a walk-in's channel, the materials missing at a 容缺 acceptance, a
no-show) is kept as a code and its values (`CaseEvent.note_code`, `note_params`) and written
out when read, in the active language: a clerk reading in English sees English, whoever wrote
it. A value may be given per language ({"zh-hans": …, "en": …}); the Chinese one is the
fallback.
"""

from django.utils.translation import gettext_lazy as _

from ipservice.localization import is_english

from .constants import Channel

MISSING_MATERIALS = "missing_materials"
MATERIALS_CAME = "materials_came"
NOT_CHECKED_IN = "not_checked_in"
CHANNEL = "channel"

TEXTS = {
    MISSING_MATERIALS: _("Missing: %(materials)s; to be brought by %(date)s"),
    MATERIALS_CAME: _("The missing materials came."),
    NOT_CHECKED_IN: _("Not checked in by the end of the slot."),
}


def missing_materials(materials, materials_due):
    """The code and values of a 容缺 acceptance's note: the materials by name, both languages."""
    return MISSING_MATERIALS, {
        "materials": {
            "zh-hans": "、".join(m.name for m in materials),
            "en": ", ".join(m.name_en or m.name for m in materials),
        },
        "date": materials_due.isoformat(),
    }


def channel(value):
    """A walk-in's note: how the case came in (at the window, by mail, online)."""
    return CHANNEL, {"channel": value}


def render(code, params):
    """The note of `code` with `params` in the active language; "" for an unknown code."""
    values = {name: _in_language(value) for name, value in (params or {}).items()}
    if code == CHANNEL:
        return str(Channel(values["channel"]).label) if values.get("channel") in Channel else ""
    text = TEXTS.get(code)
    if text is None:
        return ""
    return str(text) % values if values else str(text)


def _in_language(value):
    if not isinstance(value, dict):
        return value
    return (is_english() and value.get("en")) or value.get("zh-hans", "")
