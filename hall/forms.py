"""The requests of the hall, one definition for the pages and the API (as appointments.forms):
a ticket at the kiosk, a transfer, a priority, a counter."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from appointments.forms import TextField
from appointments.validators import validate_mainland_mobile
from catalog.models import ServiceItem

from .constants import PriorityReason
from .models import Counter


class TicketForm(forms.Form):
    """A ticket: an item (a walk-in) or a booking's reference, with an optional phone for the
    SMS when the turn nears and an optional priority reason."""

    item = TextField(label=_("Service item"), max_length=40, required=False)
    reference = TextField(label=_("Booking reference"), max_length=40, required=False)
    phone = TextField(
        label=_("Mobile number (optional)"),
        max_length=20,
        required=False,
        help_text=_("We send an SMS when your turn is near."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    priority_reason = forms.ChoiceField(
        label=_("Priority"),
        choices=[("", _("None"))] + PriorityReason.choices,
        required=False,
    )

    def __init__(self, *args, window, **kwargs):
        self.window = window
        super().__init__(*args, **kwargs)

    def clean_item(self):
        code = self.cleaned_data["item"].strip()
        if not code:
            return None
        item = self.window.items.filter(code=code, active=True).first()
        if item is None:
            raise forms.ValidationError(_("This window does not offer this item."))
        return item

    def clean_reference(self):
        return "".join(self.cleaned_data["reference"].split()).upper()

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        return validate_mainland_mobile(phone) if phone else ""

    def clean(self):
        cleaned = super().clean()
        if not self.errors and bool(cleaned.get("item")) == bool(cleaned.get("reference")):
            raise forms.ValidationError(_("Choose an item, or give your booking reference."))
        return cleaned


class TransferForm(forms.Form):
    counter = forms.IntegerField(
        label=_("To counter"), required=False, min_value=1, max_value=2**31 - 1
    )
    item = TextField(label=_("To item"), max_length=40, required=False)

    def __init__(self, *args, ticket, **kwargs):
        self.ticket = ticket
        super().__init__(*args, **kwargs)

    def clean_counter(self):
        pk = self.cleaned_data["counter"]
        if pk is None:
            return None
        counter = Counter.objects.filter(
            pk=pk, window_id=self.ticket.window_id, active=True
        ).first()
        if counter is None:
            raise forms.ValidationError(_("Choose an open counter of this window."))
        return counter

    def clean_item(self):
        code = self.cleaned_data["item"].strip()
        if not code:
            return None
        item = ServiceItem.objects.filter(code=code, windows=self.ticket.window_id).first()
        if item is None:
            raise forms.ValidationError(_("This window does not offer this item."))
        return item

    def clean(self):
        cleaned = super().clean()
        if not self.errors and bool(cleaned.get("counter")) == bool(cleaned.get("item")):
            raise forms.ValidationError(_("Choose either a counter or an item."))
        return cleaned


class FinishForm(forms.Form):
    complete = forms.BooleanField(
        label=_("Complete the case (a matter settled at the counter)"), required=False
    )


class PriorityForm(forms.Form):
    reason = forms.ChoiceField(label=_("Priority"), choices=PriorityReason.choices)


class CounterForm(forms.ModelForm):
    class Meta:
        model = Counter
        fields = ["number", "label", "active", "items"]
        labels = {"number": pgettext_lazy("counter", "Number")}

    def __init__(self, *args, window, **kwargs):
        self.window = window
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = window.items.all()
        self.fields["number"].max_value = 999

    def clean_number(self):
        number = self.cleaned_data["number"]
        if number is not None and not 1 <= number <= 999:
            raise forms.ValidationError(_("A counter number is from 1 to 999."))
        clash = Counter.objects.filter(window=self.window, number=number)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("This window has a counter with this number already."))
        return number

    def save(self, commit=True):
        self.instance.window = self.window
        return super().save(commit)
