"""manage.py create_staff USERNAME --password P (--window ID ... | --bureau)

Creates the account, or updates an existing one: its password is set and its role becomes exactly
what the command says (the windows given, or the bureau). A password Django's validators reject
is refused, and nothing is changed.
"""

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from windows.constants import Role
from windows.models import ServicePoint
from windows.services import make_bureau_staff, make_window_staff


class Command(BaseCommand):
    help = "Create or update a staff account for one or more windows, or for the bureau."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        role = parser.add_mutually_exclusive_group(required=True)
        role.add_argument(
            "--window",
            dest="windows",
            action="append",
            type=int,
            metavar="ID",
            help="Id of a window this person works at; repeat for several windows.",
        )
        role.add_argument(
            "--bureau", action="store_true", help="Bureau staff: every window and the admin."
        )
        parser.add_argument(
            "--role", choices=Role.values, default=Role.STAFF, help="Role at the windows."
        )

    def handle(self, *args, username, password, windows, bureau, role, **options):
        username = username.strip()
        if not username:
            raise CommandError(_("Give a user name."))
        if not password:
            raise CommandError(_("Give a password."))
        window_objects = self._windows(windows) if windows else []
        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(username=username)
            self._check_password(password, user)
            user.set_password(password)
            user.save()
            if bureau:
                make_bureau_staff(user)
            else:
                make_window_staff(user, window_objects, role=role)
        self.stdout.write(self.style.SUCCESS(self._summary(user, created, bureau, window_objects)))

    def _windows(self, ids):
        found = ServicePoint.objects.in_bulk(set(ids))
        missing = sorted(set(ids) - set(found))
        if missing:
            raise CommandError(
                _("No window with id %(ids)s. See the ids in the admin or in /api/v1/windows/.")
                % {"ids": ", ".join(map(str, missing))}
            )
        return [found[i] for i in dict.fromkeys(ids)]

    def _check_password(self, password, user):
        """Django's password validators (AUTH_PASSWORD_VALIDATORS) decide; a refused password
        rolls the whole command back, a new account included."""
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(
                _("The password is refused: %(reasons)s") % {"reasons": " ".join(exc.messages)}
            ) from exc

    def _summary(self, user, created, bureau, windows):
        action = _("Created") if created else _("Updated")
        if bureau:
            return _("%(action)s bureau staff account %(user)s.") % {
                "action": action,
                "user": user.username,
            }
        return _("%(action)s staff account %(user)s for: %(windows)s.") % {
            "action": action,
            "user": user.username,
            "windows": "、".join(f"{w.name} (id {w.pk})" for w in windows),
        }
