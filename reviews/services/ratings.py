"""Ratings (好差评): who sees them, the private link of the invitation, and recording the
person's rating of a completed case."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appointments import services as booking_services
from appointments.constants import Status
from appointments.models import Case
from windows.models import is_bureau

from ..constants import RatingChannel, Score
from ..exceptions import RatingRefused
from ..models import Rating
from .rectifications import open_rectification

# The fixed tags a person may tick on the rating page: stable codes are stored, labels shown.
RATING_TAGS = (
    ("quick", gettext_lazy("Quick service")),
    ("clear_guidance", gettext_lazy("Clear guidance")),
    ("friendly", gettext_lazy("Friendly staff")),
    ("one_visit", gettext_lazy("Done in one visit")),
    ("long_wait", gettext_lazy("Long wait")),
    ("unclear_materials", gettext_lazy("Unclear material requirements")),
    ("repeat_visits", gettext_lazy("Had to come back again")),
)
RATING_TAG_LABELS = dict(RATING_TAGS)

# Ratings entered by staff on the person's behalf; the person's own link is RatingChannel.LINK.
STAFF_CHANNELS = (RatingChannel.PAD, RatingChannel.HOTLINE)


# --- access -----------------------------------------------------------------------------------


def ratings_for_user(user):
    """Ratings of the staff member's own windows; the bureau sees all; anyone else none."""
    if not user.is_authenticated:
        return Rating.objects.none()
    if is_bureau(user):
        return Rating.objects.all()
    return Rating.objects.filter(window__memberships__user=user)


def get_rating_for_user(user, pk):
    """The rating if `user` may see it, else 404, so that a stranger never learns it exists."""
    rating = (
        ratings_for_user(user)
        .select_related("case", "window", "item", "staff", "entered_by")
        .filter(pk=pk)
        .first()
    )
    if rating is None:
        raise Http404("No such rating.")
    return rating


# --- rating -----------------------------------------------------------------------------------


def normalize_token(token):
    """Tokens read out over the hotline or typed from paper come in groups and any case."""
    return "".join(str(token or "").split()).replace("-", "").lower()


def find_case_for_rating(reference, token):
    """The case with this reference if the token is its own, else None: an unknown reference
    and a wrong token look the same, so nobody can probe for cases."""
    case = (
        Case.objects.filter(reference=str(reference or "").strip().upper())
        .select_related("window", "item", "handled_by")
        .first()
    )
    if case is None or not booking_services.check_token(case, normalize_token(token)):
        return None
    return case


def rating_link_expires(case):
    """The rating link, and its code given at the pad or on the hotline, work for
    RATING_TOKEN_DAYS days after the case is completed (issue 10); None before that."""
    if case.completed_at is None:
        return None
    return case.completed_at + dt.timedelta(days=settings.RATING_TOKEN_DAYS)


def rating_link_expired(case, now=None):
    expires = rating_link_expires(case)
    return expires is not None and (now or timezone.now()) >= expires


def check_can_rate(case, token, channel, entered_by):
    if not booking_services.check_token(case, normalize_token(token)):
        raise RatingRefused(_("The rating link or code is not valid."), code="bad_token")
    if rating_link_expired(case):
        raise RatingRefused(_("The rating link or code has expired."), code="expired_token")
    if (channel in STAFF_CHANNELS) != (entered_by is not None):
        # Staff enter ratings only for the pad or the hotline, and always under their name.
        raise RatingRefused(
            _("This channel does not match who entered the rating."), "wrong_channel"
        )
    if case.status != Status.COMPLETED:
        raise RatingRefused(_("Rating opens once the case is completed."), code="not_completed")
    if Rating.objects.filter(case=case).exists():
        raise already_rated()


def already_rated():
    return RatingRefused(_("This case has already been rated. Thank you."), code="already_rated")


def clean_rating(score, efficiency, competence, attitude, tags, comment):
    """The rating values, checked again here so that every caller obeys the same rules."""
    errors = {}
    if score not in Score.values:
        errors["score"] = _("Choose one of the five levels.")
    aspects = {"efficiency": efficiency, "competence": competence, "attitude": attitude}
    for name, value in aspects.items():
        if value is not None and value not in Score.values:
            errors[name] = _("Choose one of the five levels.")
    tags = list(dict.fromkeys(tags or []))
    if any(tag not in RATING_TAG_LABELS for tag in tags):
        errors["tags"] = _("Choose tags from the list.")
    comment = (comment or "").strip()
    if len(comment) > 1000:
        errors["comment"] = _("Keep the comment within 1000 characters.")
    if errors:
        raise ValidationError(errors)
    return {
        "score": score,
        "efficiency": efficiency,
        "competence": competence,
        "attitude": attitude,
        "tags": tags,
        "comment": comment,
    }


def rate(
    case,
    *,
    token,
    score,
    efficiency=None,
    competence=None,
    attitude=None,
    tags=(),
    comment="",
    channel=RatingChannel.LINK,
    entered_by=None,
):
    """Record the person's rating of a completed case; a 2 or 1 opens its rectification in the
    same transaction, so no 差评 is ever left without one."""
    check_can_rate(case, token, channel, entered_by)
    values = clean_rating(score, efficiency, competence, attitude, tags, comment)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                case=case,
                window_id=case.window_id,
                item_id=case.item_id,
                staff_id=case.handled_by_id,
                channel=channel,
                entered_by=entered_by,
                **values,
            )
            if rating.is_bad:
                open_rectification(rating)
    except IntegrityError as exc:
        # Two submissions at once: the one-to-one constraint lets exactly one through.
        raise already_rated() from exc
    return rating


def rating_link(case):
    """The private link of the invitation: only the person served receives the token."""
    path = reverse("reviews:rate", args=[case.reference])
    token = booking_services.booking_token(case)
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}?token={token}"
