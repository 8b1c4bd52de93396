"""The rating pad at a counter (评价器, issue 13): `/counters/<id>/pad/` on the counter's tablet.

The tablet is signed in as that counter's device (hall.pads: a link with a token, exchanged on
first open for a cookie scoped to the pad's path), not as a person. It shows the rating form for
the case finished at its counter within HALL_PAD_SECONDS, takes one rating of it (channel "pad",
recorded under the clerk who served), and refuses any other case. Its script reloads it every
few seconds while it waits, and back to waiting a minute after a rating or when nobody rates.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from appointments.services import booking_token
from hall import pads
from ipservice import private_links

from ..constants import RatingChannel, Score
from ..exceptions import RatingRefused
from ..models import Rating
from ..services.ratings import rate

PAD_COOKIE_DAYS = 365


def _pad_counter(request, pk):
    counter = pads.get_counter_for_pad(pk, private_links.cookie_token(request, pads.PAD_COOKIE))
    if counter is None:
        raise Http404("not a pad of this counter")
    return counter


def _ratable(counter):
    """The ticket whose case the pad may rate now, or None (none finished, or rated)."""
    ticket = pads.pad_ticket(counter)
    if ticket is None or Rating.objects.filter(case_id=ticket.case_id).exists():
        return None
    return ticket


@never_cache
@require_http_methods(["GET", "POST"])
def pad(request, pk):
    token = private_links.link_token(request)
    if token is not None:
        counter = pads.get_counter_for_pad(pk, token)
        if counter is None:
            raise Http404("not a pad of this counter")
        expires = timezone.now() + dt.timedelta(days=PAD_COOKIE_DAYS)
        return private_links.exchange(
            request, pads.PAD_COOKIE, token, path=request.path, expires=expires
        )
    counter = _pad_counter(request, pk)
    ticket = _ratable(counter)
    if request.method == "POST":
        return _take_rating(request, counter, ticket)
    context = {
        "counter": counter,
        "window": counter.window,
        "ticket": ticket,
        "scores": Score.choices,
    }
    return render(request, "reviews/pad.html", context)


def _take_rating(request, counter, ticket):
    context = {"counter": counter, "window": counter.window, "scores": Score.choices}
    case_id = request.POST.get("case", "")
    if ticket is None or str(ticket.case_id) != case_id:
        # Another case, an old page, or rated already: this pad rates only the case just
        # finished at its counter.
        context["refused"] = True
        return render(request, "reviews/pad.html", context, status=409)
    try:
        score = int(request.POST.get("score", ""))
    except ValueError:
        score = None
    case = ticket.case
    try:
        rate(
            case,
            token=booking_token(case),
            score=score,
            channel=RatingChannel.PAD,
            entered_by=ticket.served_by,
        )
    except (RatingRefused, ValidationError):
        context["refused"] = True
        return render(request, "reviews/pad.html", context, status=409)
    context["thanks"] = True
    return render(request, "reviews/pad.html", context)
