from django import forms
from django.utils.translation import gettext_lazy as _

from .constants import Channel, IPType
from .models import Category, ServiceItem, offering_districts


class CatalogFilterForm(forms.Form):
    """The catalog's search and filters; the public page and the API validate with it."""

    q = forms.CharField(
        label=_("Keyword"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. pledge, patent")}),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        error_messages={"invalid_choice": _("There is no category with the code “%(value)s”.")},
    )
    ip_type = forms.ChoiceField(
        label=_("IP type"),
        required=False,
        error_messages={"invalid_choice": _("There is no IP type “%(value)s”.")},
    )
    district = forms.ChoiceField(
        label=_("District"),
        required=False,
        error_messages={"invalid_choice": _("There is no district with the code “%(value)s”.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One query each; labels follow the active language.
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.code, c.display_name) for c in Category.objects.all()
        ]
        self.fields["ip_type"].choices = [("", _("All IP types")), *IPType.choices]
        self.fields["district"].choices = [("", _("All districts"))] + [
            (d.code, d.display_name) for d in offering_districts()
        ]

    def filter(self, queryset):
        """Apply the filters that are valid; call after is_valid()."""
        data = getattr(self, "cleaned_data", {})
        queryset = queryset.search(data.get("q"))
        if data.get("category"):
            queryset = queryset.filter(category__code=data["category"])
        if data.get("ip_type"):
            queryset = queryset.filter(ip_type=data["ip_type"])
        if data.get("district"):
            queryset = queryset.offered_in_district(data["district"])
        return queryset

    def error_list(self):
        """Every error as one flat list of messages, field order kept."""
        return [str(message) for errors in self.errors.values() for message in errors]


class ServiceItemAdminForm(forms.ModelForm):
    """Channels as checkboxes instead of raw JSON; the model's validator still runs."""

    channels = forms.TypedMultipleChoiceField(
        label=_("channels"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ServiceItem
        fields = ServiceItem.EDITABLE_FIELDS
