"""What reviews does when appointments announces something (connected in ReviewsConfig.ready)."""

from appointments import notices
from appointments.constants import NoticeChannel, Status
from appointments.models import Case

from .models import Rating
from .services.ratings import rating_link


def invite_to_rate(sender, case, **kwargs):
    """好差评: a case was completed; invite the person served to rate it. Sent inside the
    completion's transaction, so the invitation is a queued notice that commits (or rolls back)
    with it, and the outbox's sweep sends it even if the broker was down at that moment."""
    invite_rating(case.pk)


def invitation_facts(case):
    # Staff must invite a rating after every case but never suggest what to give (好差评 rules):
    # the text (templates/messages/*/review_invite.sms.txt) asks for an honest rating, no more.
    return {
        "item": case.item.display_name,
        "window": case.window.display_name,
        "reference": case.reference,
        "link": rating_link(case),
    }


def invite_rating(case_id):
    """Queue the SMS with the private link to rate the completed case `case_id`, once."""
    case = Case.objects.select_related("window", "item").filter(pk=case_id).first()
    if case is None or case.status != Status.COMPLETED:
        return
    if Rating.objects.filter(case_id=case_id).exists():
        return  # rated already (e.g. on the pad at the window): nothing to invite
    with notices.in_language_of(case):
        notices.queue_message(
            "review_invite",
            f"invite:{case.reference}",
            channel=NoticeChannel.SMS,
            recipient=case.phone,
            facts=invitation_facts(case),
        )
