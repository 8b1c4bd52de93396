from django.db import models
from django.utils.translation import gettext_lazy as _

BUREAU_GROUP = "bureau"


class Level(models.TextChoices):
    CITY = "city", _("City level")
    DISTRICT = "district", _("District level")
    PARK = "park", _("Park level")


class Kind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("Comprehensive window")
    ACCEPTANCE = "acceptance", _("Acceptance window")
    PROTECTION = "protection", _("Protection center")
    INFORMATION = "information", _("Information service point")
    TRAINING = "training", _("Training base")
    BRAND_BASE = "brand_base", _("Trademark brand base")
    BRAND_STATION = "brand_station", _("Trademark brand guidance station")
    PARK_STATION = "park_station", _("Park workstation")


class Role(models.TextChoices):
    STAFF = "staff", _("Staff")
    SUPERVISOR = "supervisor", _("Supervisor")


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
