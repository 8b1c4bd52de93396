"""Records carry Chinese texts (the official ones) and, for some, English versions in a field of
the same name ending in `_en`; pages show the one for the active language, falling back to the
Chinese where no English version is given."""

from django.utils.translation import get_language


def is_english():
    return (get_language() or "").startswith("en")


def in_current_language(record, field):
    """The text of `field` of `record` in the active language: `<field>_en` in English when it
    is filled in, else `field` (Chinese)."""
    if is_english():
        english = getattr(record, f"{field}_en", "")
        if english:
            return english
    return getattr(record, field)


class BilingualNameMixin:
    """For models with `name` (Chinese, the official one) and `name_en`."""

    @property
    def display_name(self):
        return in_current_language(self, "name")
