from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ipservice.localization import BilingualNameMixin

from .constants import Channel, IPType, ItemLevel, MaterialForm


def validate_channels(value):
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Give at least one channel."))
    unknown = [v for v in value if v not in Channel.values]
    if unknown:
        raise ValidationError(
            _("Unknown channel(s): %(unknown)s. Use: %(known)s."),
            params={"unknown": ", ".join(map(str, unknown)), "known": ", ".join(Channel.values)},
        )


class Category(BilingualNameMixin, models.Model):
    """A category of the catalog (申请服务, 管理服务…): data the bureau edits, not code."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name


class ServiceItemQuerySet(models.QuerySet):
    def published(self):
        return self.filter(active=True)

    def search(self, q):
        """Keyword search over both names, e.g. 质押 finds 知识产权质押登记. Words apart
        (专利 申请, the full-width space too) must each match: one filter per word."""
        queryset = self
        for word in (q or "").split():
            queryset = queryset.filter(
                Q(name__icontains=word)
                | Q(name_en__icontains=word)
                | Q(code__iexact=word)
                | Q(guide__icontains=word)
            )
        return queryset

    def offered_in_district(self, district_code):
        """Items offered by at least one active window in the district (GB/T 2260 code)."""
        offers = ServiceItem.windows.through.objects.filter(
            servicepoint__active=True, servicepoint__district__code=district_code
        )
        # A subquery rather than a join: no duplicate rows, no DISTINCT over the ordering.
        return self.filter(pk__in=offers.values("serviceitem_id"))

    def for_cards(self):
        """What a catalog card shows: the category in the same query."""
        return self.select_related("category")

    def with_materials(self):
        """The category in the same query, the materials in a second one."""
        return self.select_related("category").prefetch_related("materials")

    def with_details(self):
        """with_materials() and the windows offering each item (active or not), in a third query:
        city-level first, then by district code (the windows' ordering)."""
        return self.with_materials().prefetch_related("windows")


class ServiceItem(BilingualNameMixin, models.Model):
    """An item of the published service catalog (知识产权公共服务事项清单)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="items"
    )
    ip_type = models.CharField(_("IP type"), max_length=12, choices=IPType.choices)
    level = models.CharField(_("level"), max_length=10, choices=ItemLevel.choices)
    # Working days; empty where no source gives a limit (the bureau fills them in by import).
    legal_limit_days = models.PositiveSmallIntegerField(
        _("legal time limit (working days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    promised_limit_days = models.PositiveSmallIntegerField(
        _("promised time limit (working days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    fee = models.CharField(_("fee"), max_length=200, blank=True, default="")
    legal_basis = models.TextField(_("legal basis"), blank=True, default="")
    channels = models.JSONField(
        _("channels"),
        default=list,
        validators=[validate_channels],
        help_text=_("Any of: window, online, mail, email."),
    )
    guide = models.TextField(_("guide"), blank=True, default="")
    consult_phone = models.CharField(_("consultation phone"), max_length=40, blank=True, default="")
    green_channel = models.BooleanField(_("green channel eligible"), default=False)
    active = models.BooleanField(_("published"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_demo = models.BooleanField(_("demo record"), default=False)

    objects = ServiceItemQuerySet.as_manager()

    # What the bureau edits, in this order: the admin form's fields and the spreadsheet columns.
    EDITABLE_FIELDS = (
        "code",
        "name",
        "name_en",
        "category",
        "ip_type",
        "level",
        "legal_limit_days",
        "promised_limit_days",
        "fee",
        "legal_basis",
        "channels",
        "guide",
        "consult_phone",
        "green_channel",
        "active",
        "order",
        "is_demo",
    )

    class Meta:
        ordering = ["category__order", "order", "code"]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        constraints = [
            models.CheckConstraint(
                condition=Q(promised_limit_days__isnull=True)
                | Q(legal_limit_days__isnull=True)
                | Q(promised_limit_days__lte=models.F("legal_limit_days")),
                name="promised_limit_within_legal",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:detail", args=[self.code])

    def clean(self):
        legal, promised = self.legal_limit_days, self.promised_limit_days
        if legal is not None and promised is not None and promised > legal:
            raise ValidationError(
                {"promised_limit_days": _("The promised limit cannot exceed the legal limit.")}
            )

    def get_channels_display(self):
        labels = dict(Channel.choices)
        return [labels.get(c, c) for c in self.channels]


class Material(BilingualNameMixin, models.Model):
    """One entry of an item's materials checklist (材料清单)."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    form = models.CharField(
        _("form"), max_length=12, choices=MaterialForm.choices, default=MaterialForm.ORIGINAL
    )
    copies = models.PositiveSmallIntegerField(
        _("copies"), default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    required = models.BooleanField(_("required"), default=True)
    # 容缺: may be accepted missing on a written commitment to bring it later.
    tolerable = models.BooleanField(_("may be missing on commitment"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_example = models.BooleanField(_("example"), default=False)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        constraints = [
            models.UniqueConstraint(fields=["item", "name"], name="unique_material_per_item"),
        ]

    def __str__(self):
        return self.name


def offering_districts():
    """Every district (the windows app's District), for the catalog's district filter.

    The windows app stands above the catalog (a window offers items: ServicePoint.items), so
    the catalog imports nothing of it. Its pages reach the windows through the relation that app
    declares here, `ServiceItem.windows` (with the windows' own queryset methods), and the
    districts through that relation's model.
    """
    windows = ServiceItem._meta.get_field("windows").related_model
    return windows._meta.get_field("district").related_model.objects.all()
