"""manage.py seed_history N: N synthetic past cases with their ratings and rectifications, so that
the dashboards and the annual report have something to show (demo records, marked as such).
`manage.py seed_demo --history N` calls it after loading the registry and the catalog."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from reviews.demo import make_history


class Command(BaseCommand):
    help = "Make N synthetic past cases with their ratings and rectifications (demo data)."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, metavar="N")

    def handle(self, *args, count, **options):
        made = make_history(count)
        self.stdout.write(_("Demo history: %(n)s past cases made.") % {"n": made})
