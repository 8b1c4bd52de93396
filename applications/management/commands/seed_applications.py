"""manage.py seed_applications: demo online applications, one in each state (called by
seed_demo after the catalog and the windows; idempotent). applications/demo.py."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from applications.demo import load_applications


class Command(BaseCommand):
    help = "Demo online applications in each state (called by seed_demo; idempotent)."

    def handle(self, *args, **options):
        made = load_applications()
        self.stdout.write(_("Demo online applications: %(n)s new.") % {"n": made})
