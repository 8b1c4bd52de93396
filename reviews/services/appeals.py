"""Appeals (申诉/复核): the window's supervisor asks the bureau to exclude a 差评 it believes
mistaken or malicious; the bureau decides once."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from windows.models import is_bureau

from ..constants import AppealDecision
from ..exceptions import AppealRefused
from ..models import Appeal, Rating
from .rectifications import is_supervisor
from .steps import require_notes


def can_appeal(user, rating):
    return is_supervisor(user, rating.window_id)


def file_appeal(rating, actor, reason):
    """申诉: the window's supervisor asks the bureau to exclude a 差评 it believes mistaken or
    malicious. One appeal per rating."""
    if not can_appeal(actor, rating):
        raise PermissionDenied(_("Only the window's supervisor can appeal its ratings."))
    if not rating.is_bad:
        raise AppealRefused(_("Only bad ratings can be appealed."), code="not_bad")
    reason = require_notes(reason, "reason")
    try:
        with transaction.atomic():
            return Appeal.objects.create(rating=rating, reason=reason, filed_by=actor)
    except IntegrityError as exc:
        raise AppealRefused(
            _("This rating has already been appealed."), code="already_appealed"
        ) from exc


@transaction.atomic
def decide_appeal(appeal, actor, upheld, notes):
    """复核: the bureau upholds the appeal (the rating no longer counts in the statistics) or
    dismisses it (the rating stands). Decided once."""
    if not is_bureau(actor):
        raise PermissionDenied(_("Only the bureau decides appeals."))
    notes = require_notes(notes)
    if upheld not in (True, False):
        raise ValidationError({"decision": _("Uphold or dismiss the appeal.")})
    locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if locked.decision != AppealDecision.PENDING:
        raise AppealRefused(_("This appeal has already been decided."), code="already_decided")
    locked.decision = AppealDecision.UPHELD if upheld else AppealDecision.DISMISSED
    locked.decision_notes = notes
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save()
    if upheld:
        Rating.objects.filter(pk=locked.rating_id).update(excluded=True)
    return locked
