"""Celery tasks of the reviews app: the invitation to rate a completed case."""

from celery import shared_task
from django.conf import settings
from django.utils import translation

from appointments import notices
from appointments.constants import NoticeChannel, Status
from appointments.models import Case

from .models import Rating
from .services.ratings import rating_link


def invitation_facts(case):
    # Staff must invite a rating after every case but never suggest what to give (好差评 rules):
    # the text (templates/messages/*/review_invite.sms.txt) asks for an honest rating, no more.
    return {
        "item": case.item.name,
        "window": case.window.name,
        "reference": case.reference,
        "link": rating_link(case),
    }


@shared_task
def invite_rating(case_id):
    """Send the person served the private link to rate their completed case, once."""
    case = Case.objects.select_related("window", "item").filter(pk=case_id).first()
    if case is None or case.status != Status.COMPLETED:
        return
    if Rating.objects.filter(case_id=case_id).exists():
        return  # rated already (e.g. on the pad at the window): nothing to invite
    # A task has no request: notices go out in the portal's default language, Chinese.
    with translation.override(settings.LANGUAGE_CODE):
        notices.queue_message(
            "review_invite",
            f"invite:{case.reference}",
            channel=NoticeChannel.SMS,
            recipient=case.phone,
            facts=invitation_facts(case),
        )


# The annual report's task lives in its own module; importing it here lets autodiscovery find it.
from .report_tasks import build_annual_report  # noqa: E402, F401
