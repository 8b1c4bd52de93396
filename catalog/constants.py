from django.db import models
from django.utils.translation import gettext_lazy as _


class IPType(models.TextChoices):
    PATENT = "patent", _("Patent")
    TRADEMARK = "trademark", _("Trademark")
    GEOGRAPHICAL_INDICATION = "gi", _("Geographical indication")
    IC_LAYOUT = "ic_layout", _("Integrated circuit layout design")
    COPYRIGHT = "copyright", _("Copyright")
    GENERAL = "general", _("General")


class ItemLevel(models.TextChoices):
    CITY = "city", _("City level")
    DISTRICT = "district", _("District level")


class Channel(models.TextChoices):
    WINDOW = "window", _("At the window")
    ONLINE = "online", _("Online")
    MAIL = "mail", _("By mail")
    EMAIL = "email", _("By email")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("Original")
    COPY = "copy", _("Copy")
    ELECTRONIC = "electronic", _("Electronic")


# The catalog's item for 办不成事 (a matter that could not be done): its page leads to the
# online report form (reviews, `/complaints/new/`) rather than to a booking.
COMPLAINT_ITEM_CODE = "cannot-be-done"
