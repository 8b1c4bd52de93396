from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from hall.demo import load_counters


class Command(BaseCommand):
    help = "Demo counters at the demo windows (called by seed_demo; idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            made = load_counters()
        self.stdout.write(_("Demo counters: %(n)s new.") % {"n": made})
