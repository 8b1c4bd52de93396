from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import ServiceItem

from .models import District


class DisplayNameChoiceField(forms.ModelChoiceField):
    """Options in the page's language (display_name), values are the natural codes."""

    def label_from_instance(self, obj):
        return obj.display_name


class DirectoryFilterForm(forms.Form):
    district = DisplayNameChoiceField(
        queryset=District.objects.all(),
        to_field_name="code",
        required=False,
        label=_("District"),
        empty_label=_("All districts"),
        error_messages={"invalid_choice": _("There is no district with the code %(value)s.")},
    )
    item = DisplayNameChoiceField(
        queryset=ServiceItem.objects.published().select_related("category"),
        to_field_name="code",
        required=False,
        label=_("Service"),
        empty_label=_("All services"),
        error_messages={"invalid_choice": _("There is no service with the code %(value)s.")},
    )
