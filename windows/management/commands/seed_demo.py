"""manage.py seed_demo: load the demo districts, catalog, windows and staff (docs/architecture.md).

Idempotent: every record is keyed on its natural code (update_or_create), so a second run creates
nothing and changes nothing. What the sources give (names, categories, sourced time limits) is
set on every run; demo facts the bureau is expected to correct (addresses, phones, capacity,
unsourced time limits, opening hours) are written only when the record is first created, so a
re-run never undoes the bureau's corrections. Passwords are set only when an account is created.
"""

import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from catalog import demo as catalog_demo
from catalog.models import Category, Material, ServiceItem
from windows import demo
from windows.hours import parse_hours
from windows.models import District, ServicePoint
from windows.services import (
    ensure_bureau_group,
    make_bureau_staff,
    make_window_staff,
    set_opening_hours,
)

BUREAU_USERNAME = "bureau"
ITEM_SOURCED_FIELDS = ("name", "name_en", "ip_type", "level", "legal_basis", "green_channel")
ITEM_DEMO_FIELDS = ("channels", "guide", "guide_en")


class Command(BaseCommand):
    help = "Load the demo districts, catalog, windows and staff accounts (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--history",
            type=int,
            default=0,
            metavar="N",
            help="Also make N synthetic past cases with their ratings and rectifications.",
        )
        parser.add_argument(
            "--accounts-file",
            default=str(Path(settings.BASE_DIR) / "demo-accounts.txt"),
            help="Where new demo accounts and their passwords are appended.",
        )

    def handle(self, *args, history, accounts_file, **options):
        with transaction.atomic():
            ensure_bureau_group()
            districts = load_districts()
            items = load_catalog()
            points = load_points(districts, items)
            accounts = load_staff(points)
        self._report(districts, items, points, accounts, Path(accounts_file))
        # By name, as the history: the counters are the hall's, which builds on this app.
        call_command("seed_hall", stdout=self.stdout)
        # By name too: the demo online applications are the applications app's.
        call_command("seed_applications", stdout=self.stdout)
        if history:
            # By name: the history is the reviews app's, which builds on this one.
            call_command("seed_history", history, stdout=self.stdout)

    def _report(self, districts, items, points, accounts, accounts_file):
        self.stdout.write(
            _("Demo data: %(d)s districts, %(i)s service items, %(w)s service points.")
            % {"d": len(districts), "i": len(items), "w": len(points)}
        )
        if not accounts:
            self.stdout.write(_("No new demo account; existing passwords are unchanged."))
            return
        lines = [f"{username}\t{password}" for username, password in accounts]
        # Printed before the file is written, so that an unwritable file loses no password.
        self.stdout.write(
            self.style.SUCCESS(
                _("New demo accounts (user name, password), also appended to %(file)s:")
                % {"file": accounts_file}
            )
        )
        for line in lines:
            self.stdout.write("  " + line)
        append_private(accounts_file, "\n".join(lines) + "\n")


def append_private(path, text):
    """Appends to a file only its owner can read or write (it holds passwords), made so from
    the start and tightened if an older run left it readable."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(text)


def load_districts():
    return {
        code: District.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )[0]
        for code, name, name_en in demo.DISTRICTS
    }


def load_catalog():
    categories = {
        code: Category.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en},
            create_defaults={"name": name, "name_en": name_en, "order": order},
        )[0]
        for code, name, name_en, order in catalog_demo.CATEGORIES
    }
    items = {}
    for order, data in enumerate(catalog_demo.ITEMS, start=1):
        item = _load_item(data, categories[data["category"]], order)
        _load_materials(item, data["materials"])
        items[item.code] = item
    return items


def _load_item(data, category, order):
    defaults = {field: data[field] for field in ITEM_SOURCED_FIELDS}
    defaults["category"] = category
    # A limit given by a source is kept true on every run; an empty one is the bureau's to fill.
    for field in ("legal_limit_days", "promised_limit_days"):
        if data[field] is not None:
            defaults[field] = data[field]
    create_defaults = {**defaults, "order": order}
    create_defaults.update((field, data[field]) for field in ITEM_DEMO_FIELDS)
    item, _created = ServiceItem.objects.update_or_create(
        code=data["code"], defaults=defaults, create_defaults=create_defaults
    )
    return item


def _load_materials(item, materials):
    for order, (name, name_en, form, required, tolerable, note, note_en) in enumerate(materials, 1):
        Material.objects.update_or_create(
            item=item,
            name=name,
            defaults={"name_en": name_en, "is_example": True},
            create_defaults={
                "name_en": name_en,
                "is_example": True,
                "form": form,
                "required": required,
                "tolerable": tolerable,
                "note": note,
                "note_en": note_en,
                "order": order,
            },
        )


def load_points(districts, items):
    points = []
    for number, data in enumerate(demo.all_points(), start=1):
        point = _load_point(data, districts, number)
        # add(), not set(): an item the bureau added to a demo window stays.
        point.items.add(*(items[code] for code in data["items"]))
        points.append((point, data["username"]))
    return points


def _load_point(data, districts, number):
    district = districts[data["district"]] if data["district"] else None
    defaults = {
        "name": data["name"],
        "name_en": data["name_en"],
        "kind": data["kind"],
        "level": data["level"],
        "district": district,
    }
    place = district.name if district else "上海市"
    place_en = f"{district.name_en}, Shanghai" if district else "Shanghai"
    create_defaults = {
        **defaults,
        "address": f"{place}{demo.DEMO_ADDRESS_SUFFIX}",
        "address_en": f"{place_en}{demo.DEMO_ADDRESS_SUFFIX_EN}",
        "phone": demo.demo_phone(f"{number:04d}"),
        "counters": demo.DEMO_COUNTERS.get(data["level"], 1),
        "is_demo": True,
    }
    point, created = ServicePoint.objects.update_or_create(
        code=data["code"], defaults=defaults, create_defaults=create_defaults
    )
    if created:
        set_opening_hours(point, parse_hours(demo.DEMO_HOURS))
    return point


def load_staff(points):
    """Create the missing demo accounts; return (username, password) of the new ones."""
    new_accounts = []
    bureau, password = _new_account(BUREAU_USERNAME)
    if password:
        make_bureau_staff(bureau)
        new_accounts.append((BUREAU_USERNAME, password))
    for point, username in points:
        user, password = _new_account(username)
        if password:
            make_window_staff(user, [point])
            new_accounts.append((username, password))
    return new_accounts


def _new_account(username):
    """The user, and a fresh password if the account was created now (else None)."""
    user, created = get_user_model().objects.get_or_create(username=username)
    if not created:
        return user, None
    # Letters and digits only, so the password can be pasted after --password on a shell line.
    password = get_random_string(16)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user, password
