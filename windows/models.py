import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ipservice.localization import BilingualNameMixin, in_current_language

from . import hours
from .constants import BUREAU_GROUP, WEEKDAYS, Kind, Level, Role


class District(BilingualNameMixin, models.Model):
    """One of Shanghai's 16 districts, keyed on its GB/T 2260 code."""

    code = models.CharField(_("code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=20)
    name_en = models.CharField(_("English name"), max_length=40, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self):
        return self.name


class ServicePointQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def for_user(self, user):
        """The windows a staff member works at; the bureau sees every window."""
        if not user.is_authenticated:
            return self.none()
        if is_bureau(user):
            return self
        return self.filter(memberships__user=user).distinct()

    def by_district(self):
        """These windows grouped as group_by_district() does; the catalog's item page calls it
        through the relation `item.windows`, so that it needs nothing imported from here."""
        return group_by_district(self)


class ServicePoint(BilingualNameMixin, models.Model):
    """A service point (服务网点): a window, a center, a base or a workstation."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="windows",
        null=True,
        blank=True,
        help_text=_("Required for district and park level points."),
    )
    address = models.CharField(_("address"), max_length=200)
    address_en = models.CharField(_("English address"), max_length=200, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    counters = models.PositiveSmallIntegerField(
        _("counters"), default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    people_per_slot = models.PositiveSmallIntegerField(
        _("people per counter per slot"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("booking horizon (working days)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    items = models.ManyToManyField(
        "catalog.ServiceItem", verbose_name=_("items offered"), related_name="windows", blank=True
    )
    # A context: Django's own catalog translates a bare "active" as 有效.
    active = models.BooleanField(pgettext_lazy("service point", "active"), default=True)
    is_demo = models.BooleanField(_("demo record"), default=False)

    objects = ServicePointQuerySet.as_manager()

    class Meta:
        ordering = ["level", "district__code", "code"]
        verbose_name = _("service point")
        verbose_name_plural = _("service points")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("windows:detail", args=[self.pk])

    @property
    def display_address(self):
        return in_current_language(self, "address")

    def clean(self):
        if self.level in (Level.DISTRICT, Level.PARK) and not self.district_id:
            raise ValidationError(
                {"district": _("A district or park level point needs a district.")}
            )

    @property
    def is_city_level(self):
        return self.level == Level.CITY

    @property
    def capacity(self):
        """People one slot can hold: counters × people per counter."""
        return self.counters * self.people_per_slot

    @property
    def tel(self):
        """The phone for a tel: link: digits and a leading +, without notes such as （示例）."""
        number = re.sub(r"（.*?）|\(.*?\)", "", self.phone)
        return re.sub(r"[^\d+]", "", number)

    @property
    def hours_summary(self):
        """E.g. 周一至周五 09:00–12:00, 13:30–17:00; uses prefetched opening_periods."""
        return hours.summarize(self.opening_periods.all())

    @property
    def hours_table(self):
        return hours.weekly_table(self.opening_periods.all())


class OpeningPeriod(models.Model):
    """One period of a weekday, e.g. Monday 09:00–12:00; a day may have several."""

    window = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="opening_periods"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    start = models.TimeField(_("opens"))
    end = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("opening period")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="period_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["window", "weekday", "start"], name="unique_period_start"
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError(_("A period must close after it opens."))


class StaffMembership(models.Model):
    """Links a staff user to a window they work at."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    window = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.STAFF)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "window"], name="unique_membership"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.window}"


def group_by_district(windows):
    """[(district, windows)]: the city-level windows first under None, then one group per
    district (district and park level together) by district code; each group in the order given.
    """
    city, by_district = [], {}
    for window in windows:
        if window.is_city_level or window.district is None:
            city.append(window)
        else:
            by_district.setdefault(window.district, []).append(window)
    groups = [(None, city)] if city else []
    return groups + sorted(by_district.items(), key=lambda pair: pair[0].code)


def is_bureau(user):
    """Bureau staff (市知识产权局) see every window; superusers count as bureau."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_bureau", None)
    if cached is None:
        cached = user.groups.filter(name=BUREAU_GROUP).exists()
        user._is_bureau = cached
    return cached


def require_bureau(user, message=None):
    """The one answer to anyone but bureau staff on a bureau-only page or action: 403.

    These pages and endpoints are not a secret (the API answers 403 too); a 404 is kept for a
    record of another window, whose very existence is not told (see docs/architecture.md)."""
    if not is_bureau(user):
        raise PermissionDenied(message or _("Only bureau staff can do this."))
