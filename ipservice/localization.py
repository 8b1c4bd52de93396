"""Records carry a Chinese name and an English one; pages show the one for the active language."""

from django.utils.translation import get_language


def is_english():
    return (get_language() or "").startswith("en")


class BilingualNameMixin:
    """For models with `name` (Chinese, the official one) and `name_en`."""

    @property
    def display_name(self):
        if is_english() and self.name_en:
            return self.name_en
        return self.name
