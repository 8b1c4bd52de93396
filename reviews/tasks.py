"""Celery tasks of the reviews app: the invitation to rate a completed case."""

from celery import shared_task
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from appointments import notices
from appointments.constants import NoticeChannel, Status
from appointments.models import Case

from .models import Rating
from .services.ratings import rating_link


def invitation_text(case):
    # Staff must invite a rating after every case but never suggest what to give (好差评 rules):
    # the text asks for an honest rating and nothing more.
    return _(
        "Your matter %(item)s at %(window)s (reference %(reference)s) is completed. Please rate "
        "our service honestly: %(link)s"
    ) % {
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
        body = invitation_text(case)
        subject = _("Please rate our service")
    notices.queue_notice(
        f"invite:{case.reference}",
        channel=NoticeChannel.SMS,
        recipient=case.phone,
        template="review_invite",
        subject=str(subject),
        body=body,
    )


# The annual report's task lives in its own module; importing it here lets autodiscovery find it.
from .report_tasks import build_annual_report  # noqa: E402, F401
