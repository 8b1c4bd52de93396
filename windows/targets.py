"""The 2025 targets of Shanghai's IP public service network, and how far the registry is from them.

Source: reference/targets-2025.md of the design brief (seed 003, the table
"2025年上海市知识产权公共服务发展预期目标").
The targets are data; the actual figures are always computed from the registry (active points only).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from .constants import Kind, Level
from .models import District, ServicePoint

# Shanghai has 16 districts (reference/districts.md). Coverage is counted against all of them, not
# against the districts entered so far, so that an incomplete registry cannot look complete.
SHANGHAI_DISTRICTS = 16


@dataclass(frozen=True)
class CountTarget:
    """A number of active points of one kind (and, if given, one level)."""

    key: str
    label: str
    target: int
    kind: str
    level: str | None = None

    def condition(self):
        condition = Q(kind=self.kind)
        if self.level:
            condition &= Q(level=self.level)
        return condition


@dataclass(frozen=True)
class CoverageTarget:
    """The share of districts with at least one active point of one kind at district level."""

    key: str
    label: str
    target_percent: int
    kind: str


TARGETS_2025 = (
    CountTarget("training_bases", _("City-level IP training bases"), 15, Kind.TRAINING, Level.CITY),
    CountTarget(
        "brand_bases",
        _("City-level trademark brand innovation and entrepreneurship bases"),
        16,
        Kind.BRAND_BASE,
        Level.CITY,
    ),
    CountTarget(
        "information_points", _("IP information service points of all kinds"), 35, Kind.INFORMATION
    ),
    CoverageTarget(
        "district_coverage",
        _("Coverage of district-level comprehensive IP public service institutions"),
        100,
        Kind.COMPREHENSIVE,
    ),
)


@dataclass(frozen=True)
class PlanningPeriod:
    """The period a set of targets was set for (the 14th Five-Year period for the 2025 ones).

    Once it is over, the targets are a final result to compare the registry with, not a goal
    still being worked towards: the pages say so instead of "not met" as if it were still open
    (issue 11). The sources give no later targets; when they do, add a period here."""

    first_year: int
    last_year: int
    targets: tuple

    def is_over(self, today):
        return today > dt.date(self.last_year, 12, 31)


PERIODS = (PlanningPeriod(2021, 2025, TARGETS_2025),)


def period_for(today):
    """The period running on `today`, else the latest one that ended before it."""
    started = [p for p in PERIODS if p.first_year <= today.year] or list(PERIODS)
    return max(started, key=lambda p: p.first_year)


@dataclass(frozen=True)
class Progress:
    key: str
    label: str
    target: int
    actual: int
    is_percent: bool
    met: bool
    covered: int | None = None  # districts covered, for a coverage target


def measure(targets=TARGETS_2025):
    """One Progress per target, from two aggregate queries whatever the size of the registry."""
    counts = _counts([t for t in targets if isinstance(t, CountTarget)])
    result = []
    for target in targets:
        if isinstance(target, CountTarget):
            actual = counts[target.key]
            result.append(
                Progress(
                    target.key, target.label, target.target, actual, False, actual >= target.target
                )
            )
        else:
            result.append(_coverage(target))
    return result


def _counts(targets):
    if not targets:
        return {}
    return ServicePoint.objects.active().aggregate(
        **{t.key: Count("pk", filter=t.condition()) for t in targets}
    )


def _coverage(target):
    covered = (
        District.objects.filter(
            windows__active=True, windows__level=Level.DISTRICT, windows__kind=target.kind
        )
        .distinct()
        .count()
    )
    percent = int((Decimal(covered) * 100 / SHANGHAI_DISTRICTS).to_integral_value())
    met = covered * 100 >= target.target_percent * SHANGHAI_DISTRICTS
    return Progress(
        target.key, target.label, target.target_percent, percent, True, met, covered=covered
    )
