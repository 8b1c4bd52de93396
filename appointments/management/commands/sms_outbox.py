"""manage.py sms_outbox [--phone P] [--last N]: the newest SMS of the development/test outbox,
whole (time, phone, text), so that a developer or a test can read a verification code without
opening the admin. Only with the outbox backend: a real gateway's messages are not kept."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.module_loading import import_string

from appointments.models import SmsOutbox
from appointments.sms import OutboxBackend
from appointments.validators import normalize_mobile


class Command(BaseCommand):
    help = "Print the newest SMS of the development outbox (time, phone, text)."

    def add_arguments(self, parser):
        parser.add_argument("--phone", help="Only the messages to this mobile number.")
        parser.add_argument("--last", type=int, default=10, help="How many (default 10).")

    def handle(self, *args, phone=None, last=10, **options):
        if not issubclass(import_string(settings.SMS_BACKEND), OutboxBackend):
            raise CommandError(
                f"SMS_BACKEND is {settings.SMS_BACKEND}: only the outbox backend keeps messages."
            )
        if last < 1:
            raise CommandError("--last must be at least 1.")
        messages = SmsOutbox.objects.order_by("-created_at", "-pk")
        if phone:
            messages = messages.filter(phone=normalize_mobile(phone))
        for message in messages[:last]:
            when = timezone.localtime(message.created_at)
            self.stdout.write(f"{when:%Y-%m-%d %H:%M:%S}  {message.phone}\n{message.body}\n")
