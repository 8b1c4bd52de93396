"""The forms of an online application. The pages render them and the API runs them too, so a
field gives the same message in the browser and in a 400 answer. Person fields and the phone
code are the booking's (appointments.forms); every file passes applications.files."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from appointments import phone_codes
from appointments.forms import PersonForm, PhoneCodeCheck, TextField, phone_code_field
from catalog.constants import ItemLevel
from windows.constants import Level
from windows.models import ServicePoint

from . import files, services
from .constants import Delivery

PREFIX = "material_"


def field_name(material):
    return f"{PREFIX}{material.pk}"


def windows_for(item):
    """Where an application of `item` may be handled: city items at a city window, district
    items at a district window the applicant chooses; only windows offering the item."""
    windows = ServicePoint.objects.active().filter(items=item).select_related("district")
    if item.level == ItemLevel.CITY:
        return windows.filter(level=Level.CITY)
    return windows.filter(level__in=(Level.DISTRICT, Level.PARK))


class WindowChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class MaterialFileField(forms.FileField):
    """A material's file; an empty one is refused naming it (files.check does the rest)."""

    def to_python(self, data):
        if data not in self.empty_values and getattr(data, "size", None) == 0:
            name = files.sanitise_name(getattr(data, "name", ""))
            message = _("The file %(name)s is empty.") % {"name": name}
            raise forms.ValidationError(message, code="empty_file")
        return super().to_python(data)


def material_field(material, required):
    if material.tolerable:
        help_text = _("May follow later on a written commitment (告知承诺).")
    elif not material.required:
        help_text = _("Optional.")
    else:
        help_text = _("Required.")
    if material.note:
        help_text = f"{help_text} {material.note}"
    return MaterialFileField(
        label=material.display_name,
        required=required,
        help_text=help_text,
        error_messages={
            "required": _("Upload %(material)s.") % {"material": material.display_name}
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,image/*"}),
    )


class MaterialFilesMixin:
    """File fields `material_<id>` for `materials`; clean_files() runs the file rules and
    leaves {Material: files.CleanFile} in self.clean_files_by_material."""

    def add_material_fields(self, materials, *, all_required=False):
        self.materials = list(materials)
        for material in self.materials:
            required = all_required or (material.required and not material.tolerable)
            self.fields[field_name(material)] = material_field(material, required)

    def clean_files(self):
        self.clean_files_by_material = {}
        known = {field_name(m) for m in self.materials}
        for key in self.files or {}:
            if key not in known:
                self.add_error(
                    None, _("%(field)s is not a material of this item.") % {"field": key}
                )
            elif len(self.files.getlist(key)) > 1:
                self.add_error(key, _("Give one file per material."))
        total = 0
        for material in self.materials:
            name = field_name(material)
            upload = self.cleaned_data.get(name)
            if not upload or name in self.errors:
                continue
            try:
                clean = files.check(upload)
            except files.FileRefused as refusal:
                self.add_error(name, forms.ValidationError(refusal.message, code=refusal.code))
                continue
            total += clean.size
            self.clean_files_by_material[material] = clean
        if total > files.max_total_bytes():
            message = _("The files together are larger than %(max)s MB.")
            self.add_error(None, message % {"max": files.max_total_bytes() // files.MB})


class ApplicationForm(MaterialFilesMixin, PhoneCodeCheck, PersonForm):
    """An online application of `item`: the applicant, the handling window, one file per
    material, how the result comes back, notes, and the phone code."""

    code_purpose = phone_codes.Purpose.BOOKING

    window = WindowChoiceField(
        label=_("Handling window"),
        queryset=ServicePoint.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose a window that handles this item online.")},
    )
    delivery = forms.ChoiceField(
        label=_("How you get the result"),
        choices=Delivery.choices,
        initial=Delivery.WINDOW,
        widget=forms.RadioSelect,
    )
    address = TextField(
        label=pgettext_lazy("postal", "Address for the post"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    notes = TextField(
        label=_("Notes (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    phone_code = phone_code_field()

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        self.fields["window"].queryset = windows_for(item)
        self.add_material_fields(item.materials.all())
        order = ["name", "phone", "phone_code", "id_type", "id_number", "email", "window"]
        self.order_fields(order + [field_name(m) for m in self.materials])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("delivery") == Delivery.POST and not cleaned.get("address", "").strip():
            self.add_error("address", _("Give the address to post the result to."))
        self.clean_files()
        self.check_phone_code()
        return cleaned

    def submit(self):
        """The application this valid form describes (services.submit), for the page and the
        API alike; each calls it in the transaction that spends the phone code."""
        data = self.cleaned_data
        return services.submit(
            item=self.item,
            window=data["window"],
            person=self.person(),
            files=self.clean_files_by_material,
            notes=data["notes"],
            delivery=data["delivery"],
            address=data["address"],
        )


class CorrectionForm(MaterialFilesMixin, forms.Form):
    """The replacements asked for: one file for each, all at once (or, after an acceptance on
    commitment, the materials promised: any of them)."""

    def __init__(self, *args, materials, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_material_fields(materials, all_required=True)

    def fields_required(self, required):
        for material in self.materials:
            self.fields[field_name(material)].required = required

    def clean(self):
        cleaned = super().clean()
        self.clean_files()
        return cleaned


class ReviewForm(forms.Form):
    """The clerk's review, material by material: a reason for each one to correct."""

    def __init__(self, *args, materials, **kwargs):
        super().__init__(*args, **kwargs)
        for material in materials:
            self.fields[f"reason_{material.pk}"] = TextField(
                label=material.display_name, required=False, max_length=500
            )
        self.materials = materials

    def reasons(self):
        return {
            m.pk: self.cleaned_data[f"reason_{m.pk}"]
            for m in self.materials
            if self.cleaned_data.get(f"reason_{m.pk}", "").strip()
        }


class PendingForm(forms.Form):
    materials_due = forms.DateField(
        label=_("Materials promised by"), widget=forms.DateInput(attrs={"type": "date"})
    )


class RejectForm(forms.Form):
    reason = TextField(label=_("Reason for rejection"), max_length=2000, widget=forms.Textarea)


class ShipForm(forms.Form):
    courier = TextField(label=_("Courier"), max_length=40)
    tracking = TextField(label=_("Tracking number"), max_length=40)
