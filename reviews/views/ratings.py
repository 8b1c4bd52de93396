"""Rating pages: the person's private rating page, staff entry for the pad or the hotline, and
the staff pages of ratings and appeals (申诉/复核).

Who sees what is decided by reviews.services.ratings (ratings_for_user, get_rating_for_user):
window staff see their own windows' ratings, the bureau sees all, a stranger gets 404.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appointments.cases import get_case_for_user
from appointments.constants import Status
from appointments.services import booking_token
from ipservice import private_links
from windows.models import is_bureau

from ..constants import AppealDecision, RatingChannel
from ..exceptions import AppealRefused, RatingRefused
from ..forms import AppealDecisionForm, AppealForm, RatingForm, StaffRatingForm
from ..models import Appeal, Rating, Rectification
from ..services.appeals import can_appeal, decide_appeal, file_appeal
from ..services.ratings import (
    RATING_TAG_LABELS,
    find_case_for_rating,
    get_rating_for_user,
    rating_link_expired,
    rating_link_expires,
    ratings_for_user,
)
from ..services.ratings import rate as record_rating

PAGE_SIZE = 50


def rating_summary(rating):
    """What the person gave, in words, for the thank-you and staff pages."""
    aspects = [
        (_("Service efficiency"), rating.efficiency),
        (_("Service competence"), rating.competence),
        (_("Service attitude"), rating.attitude),
    ]
    return {
        "rating": rating,
        "aspects": [(label, _level_label(value)) for label, value in aspects if value],
        "tags": [RATING_TAG_LABELS.get(tag, tag) for tag in rating.tags],
    }


def _level_label(value):
    return dict(RatingForm.base_fields["score"].choices).get(value, "")


def apply_form_errors(form, error):
    """Put a service ValidationError on the form's fields (or the form when it has none)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- the person's rating page -----------------------------------------------------------------


# The cookie that holds the rating token once the invitation's link has been opened, scoped to
# that case's rating page (see ipservice.private_links).
TOKEN_COOKIE = "rating_token"


def _case_for_link(reference, token):
    """The case whose rating link this is; 404 for an unknown reference, a wrong token and an
    expired link alike."""
    case = find_case_for_rating(reference, token)
    if case is None or rating_link_expired(case):
        raise Http404
    return case


@never_cache
@require_http_methods(["GET", "POST"])
def rate(request, reference):
    """/rate/<reference>/?token=T: the token is exchanged for a cookie of this page (303 to the
    address without it); the page and its form then go by the cookie."""
    token = private_links.link_token(request)
    if token is not None:
        case = _case_for_link(reference, token)
        path = reverse("reviews:rate", args=[case.reference])
        token = booking_token(case)
        expires = rating_link_expires(case)
        return private_links.exchange(
            request, TOKEN_COOKIE, token, path=path, expires=expires, redirect_path=path
        )
    token = private_links.cookie_token(request, TOKEN_COOKIE)
    case = _case_for_link(reference, token)
    rating = Rating.objects.filter(case=case).first()
    if rating is not None:
        return _already_rated(request, case, rating)
    if case.status != Status.COMPLETED:
        return render(request, "reviews/rate_not_open.html", {"case": case})
    form = RatingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            record_rating(case, token=token, channel=RatingChannel.LINK, **form.rating_values())
        except RatingRefused as refusal:
            if refusal.code != "already_rated":
                raise Http404 from refusal  # the link expired a moment ago
            # Rated a moment ago in another tab, or on the pad: show what was recorded.
            return _already_rated(request, case, Rating.objects.get(case=case))
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect(request.path)
    return render(request, "reviews/rate.html", {"case": case, "form": form})


def _already_rated(request, case, rating):
    context = {"case": case, **rating_summary(rating), **what_happens_next(rating)}
    return render(request, "reviews/rate_done.html", context)


def what_happens_next(rating):
    """A bad rating opened its rectification: the person is told by when the window contacts
    them and replies (the dates of that rectification, from the "1、5、15" rule)."""
    rectification = Rectification.objects.filter(rating=rating).first()
    if rectification is None:
        return {"rectification": None}
    return {
        "rectification": rectification,
        "contact_days": settings.RECTIFICATION_CONTACT_DAYS,
        "reply_days": settings.RECTIFICATION_REPLY_DAYS,
    }


# --- staff entry for the pad or the hotline ---------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def staff_rate(request, case_pk):
    """Staff of the case's window enter the person's rating, with the person's code."""
    case = get_case_for_user(request.user, case_pk, handle=True)
    rating = Rating.objects.filter(case=case).first()
    if rating is not None:
        messages.info(request, _("This case has already been rated."))
        return redirect("reviews:rating_detail", pk=rating.pk)
    form = StaffRatingForm(request.POST if request.method == "POST" else None)
    if case.status == Status.COMPLETED and request.method == "POST" and form.is_valid():
        rating = _enter_rating(request, case, form)
        if rating is not None:
            messages.success(request, _("The person's rating has been recorded."))
            return redirect("reviews:rating_detail", pk=rating.pk)
    context = {"case": case, "form": form, "completed": case.status == Status.COMPLETED}
    return render(request, "reviews/staff_rate.html", context)


def _enter_rating(request, case, form):
    data = form.cleaned_data
    try:
        return record_rating(
            case,
            token=data["token"],
            channel=data["channel"],
            entered_by=request.user,
            **form.rating_values(),
        )
    except RatingRefused as refusal:
        # Staff already know this case exists, so the code error can say what is wrong.
        if refusal.code == "bad_token":
            form.add_error("token", _("This code does not match the case."))
        else:
            form.add_error("token" if refusal.code == "expired_token" else None, refusal.message)
    except ValidationError as error:
        apply_form_errors(form, error)
    return None


# --- staff pages: ratings and appeals ---------------------------------------------------------


def _rating_rows(user):
    return ratings_for_user(user).select_related("case", "window", "item", "staff", "appeal")


@login_required
@require_GET
def rating_list(request):
    # Queries: session, user, bureau group, count, the page of ratings with their case, window,
    # item, staff member and appeal (one join).
    ratings = _rating_rows(request.user).order_by("-created_at", "-pk")
    if request.GET.get("bad") == "1":
        ratings = ratings.filter(score__lte=2)
    page = Paginator(ratings, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "bad_only": request.GET.get("bad") == "1"}
    return render(request, "reviews/rating_list.html", context)


def _rating_detail_context(request, rating, **forms):
    appeal = Appeal.objects.filter(rating=rating).select_related("filed_by", "decided_by").first()
    rectification = getattr(rating, "rectification", None) if rating.is_bad else None
    user = request.user
    context = {
        **rating_summary(rating),
        "case": rating.case,
        "appeal": appeal,
        "rectification": rectification,
        "can_appeal": appeal is None and rating.is_bad and can_appeal(user, rating),
        "can_decide": appeal is not None
        and appeal.decision == AppealDecision.PENDING
        and is_bureau(user),
    }
    context["appeal_form"] = forms.get("appeal_form") or AppealForm()
    context["decision_form"] = forms.get("decision_form") or AppealDecisionForm()
    return context


@login_required
@require_GET
def rating_detail(request, pk):
    rating = get_rating_for_user(request.user, pk)
    return render(request, "reviews/rating_detail.html", _rating_detail_context(request, rating))


@login_required
@require_POST
def appeal_file(request, pk):
    """申诉: the window's supervisor appeals a 差评."""
    rating = get_rating_for_user(request.user, pk)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            file_appeal(rating, request.user, form.cleaned_data["reason"])
        except AppealRefused as refusal:
            messages.error(request, refusal.message)
            return redirect("reviews:rating_detail", pk=rating.pk)
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            messages.success(request, _("The appeal has been sent to the bureau."))
            return redirect("reviews:rating_detail", pk=rating.pk)
    context = _rating_detail_context(request, rating, appeal_form=form)
    return render(request, "reviews/rating_detail.html", context)


@login_required
@require_POST
def appeal_decide(request, pk):
    """复核: the bureau upholds or dismisses an appeal."""
    rating = get_rating_for_user(request.user, pk)
    appeal = Appeal.objects.filter(rating=rating).first()
    if appeal is None:
        raise Http404
    if not is_bureau(request.user):
        raise PermissionDenied(_("Only the bureau decides appeals."))
    form = AppealDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            decide_appeal(appeal, request.user, data["decision"], data["notes"])
        except AppealRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("The decision has been recorded."))
        return redirect("reviews:rating_detail", pk=rating.pk)
    context = _rating_detail_context(request, rating, decision_form=form)
    return render(request, "reviews/rating_detail.html", context)


@login_required
@require_GET
def appeal_list(request):
    """Appeals of the user's windows (the bureau: all), those awaiting a decision first."""
    # Queries: session, user, bureau group, count, the page of appeals with rating, window, item.
    visible = ratings_for_user(request.user).values("pk")
    pending_first = models.Case(
        When(decision=AppealDecision.PENDING, then=Value(0)),
        default=Value(1),
        output_field=models.IntegerField(),
    )
    appeals = (
        Appeal.objects.filter(rating__in=visible)
        .select_related("rating__window", "rating__item", "rating__case", "filed_by")
        .order_by(pending_first, "-filed_at", "-pk")
    )
    page = Paginator(appeals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviews/appeal_list.html", {"page": page})
