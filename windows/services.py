"""Staff accounts: the bureau group and window memberships (used by create_staff and seed_demo)."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from . import hours
from .constants import BUREAU_GROUP, Role
from .models import OpeningPeriod, StaffMembership

# The bureau maintains everything these apps hold; a later app's models are covered as soon as
# its migrations have run and one of the commands calls ensure_bureau_group() again.
BUREAU_APPS = ("catalog", "windows", "appointments", "reviews")


def ensure_bureau_group():
    """The `bureau` group, holding every model permission of BUREAU_APPS (add, change, …)."""
    group, _created = Group.objects.get_or_create(name=BUREAU_GROUP)
    permissions = Permission.objects.filter(content_type__app_label__in=BUREAU_APPS)
    missing = permissions.exclude(group=group)
    if missing.exists():
        group.permissions.add(*missing)
    return group


@transaction.atomic
def make_bureau_staff(user):
    """Bureau staff: admin access, the bureau group, no window of their own (they see all)."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(ensure_bureau_group())
    StaffMembership.objects.filter(user=user).delete()


@transaction.atomic
def make_window_staff(user, windows, role=Role.STAFF):
    """Window staff: exactly these windows, no admin access, not in the bureau group."""
    if not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    user.groups.remove(*Group.objects.filter(name=BUREAU_GROUP))
    StaffMembership.objects.filter(user=user).exclude(window__in=windows).delete()
    for window in windows:
        StaffMembership.objects.update_or_create(user=user, window=window, defaults={"role": role})


@transaction.atomic
def set_opening_hours(window, periods):
    """Make the window's weekly periods exactly `periods` (hours.Period tuples)."""
    wanted = sorted(periods)
    if hours.as_periods(window.opening_periods.all()) == wanted:
        return
    window.opening_periods.all().delete()
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(window=window, weekday=p.weekday, start=p.start, end=p.end) for p in wanted
    )
