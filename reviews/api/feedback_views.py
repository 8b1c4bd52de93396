"""The 好差评 API: the person's rating (POST /reviews/), and the staff lists of rectifications
and complaints.

POST /api/v1/reviews/ answers:
- 201 with the rating;
- 400 `invalid` with per-field errors for a bad body (score not 1–5, wrong types, unknown tags);
- 403 `bad_token` for a wrong token AND for an unknown reference, with the same message, so that
  nobody learns whether a case exists; 403 `expired_token` for the right token RATING_TOKEN_DAYS
  after completion;
- 409 `not_completed` while the case is not completed, 409 `already_rated` for a second rating.
The lists need a login (401 without one): rectifications of the user's windows (the bureau:
all), complaints for the bureau only (403 for window staff). Personal data is masked.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from appointments import deadlines
from ipservice import dates
from ipservice.api import Conflict, PublicView, form_errors
from ipservice.authentication import TokenAuthentication
from windows.api.permissions import IsBureau

from ..exceptions import RatingRefused
from ..forms import ComplaintFilterForm
from ..services.complaints import complaints_for_user
from ..services.ratings import find_case_for_rating, rate
from ..views.rectifications import filtered_rectifications
from .feedback_serializers import (
    ComplaintSerializer,
    RatingInputSerializer,
    RatingSerializer,
    RectificationSerializer,
)

# Token first: an anonymous request gets 401 with `WWW-Authenticate: Token`, not 403.
STAFF_AUTHENTICATION = [TokenAuthentication, SessionAuthentication]

ERROR_RESPONSES = {
    400: OpenApiResponse(description="`invalid`: per-field errors in `errors`"),
    403: OpenApiResponse(description="`bad_token`: unknown reference or wrong token"),
    409: OpenApiResponse(description="`not_completed` or `already_rated`"),
}


def refusal_as_api_error(refusal):
    if refusal.code in ("bad_token", "expired_token"):
        return PermissionDenied(refusal.message, code=refusal.code)
    return Conflict(refusal.message, code=refusal.code)


def django_error_as_api_error(error):
    if hasattr(error, "error_dict"):
        return ValidationError(
            {k: [str(m) for m in v.messages] for k, v in error.error_dict.items()}
        )
    return ValidationError({"non_field_errors": [str(m) for m in error.messages]})


class RatingCreateView(PublicView):
    """POST /reviews/: the person served rates their completed case with the token of their
    invitation link. Staff never rate through it on anyone's behalf (entered_by is for the pad
    page)."""

    @extend_schema(
        request=RatingInputSerializer, responses={201: RatingSerializer, **ERROR_RESPONSES}
    )
    def post(self, request):
        body = RatingInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        case = find_case_for_rating(data["reference"], data["token"])
        if case is None:
            raise PermissionDenied(_("The rating link or code is not valid."), code="bad_token")
        values = {name: data.get(name) for name in ("efficiency", "competence", "attitude")}
        try:
            rating = rate(
                case,
                token=data["token"],
                score=data["score"],
                tags=data.get("tags") or [],
                comment=data.get("comment") or "",
                **values,
            )
        except RatingRefused as refusal:
            raise refusal_as_api_error(refusal) from refusal
        except DjangoValidationError as error:
            raise django_error_as_api_error(error) from error
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)


FILTER_PARAMETERS = [
    OpenApiParameter("status", str, description="a status code"),
    OpenApiParameter("deadline", str, enum=["overdue", "near_due"]),
]


class RectificationListView(generics.ListAPIView):
    """GET /rectifications/: the user's windows' rectifications (the bureau: all), open ones
    first, the earliest due first. Filters: status, window (id), deadline."""

    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsAuthenticated]
    serializer_class = RectificationSerializer
    filter_backends = []

    @extend_schema(parameters=[*FILTER_PARAMETERS, OpenApiParameter("window", int)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        today = dates.today()
        form, queryset = filtered_rectifications(
            self.request.user, self.request.query_params, today
        )
        if form.errors:
            raise ValidationError(form_errors(form))
        # Queries: user (token or session), bureau group, calendar, count, the page with rating,
        # case, item, staff member and window in one join.
        return queryset.select_related("window", "rating__case", "rating__item", "rating__staff")


class ComplaintListView(generics.ListAPIView):
    """GET /complaints/: every complaint (办不成事反映), for the bureau only; open ones first,
    the earliest due first. Filters: status, deadline."""

    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsAuthenticated, IsBureau]
    serializer_class = ComplaintSerializer
    filter_backends = []

    @extend_schema(parameters=FILTER_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        today = dates.today()
        form = ComplaintFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        queryset = complaints_for_user(self.request.user).annotate(
            deadline=deadlines.deadline_annotation("due", today)
        )
        data = form.cleaned_data
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["deadline"] == deadlines.OVERDUE:
            queryset = queryset.filter(deadlines.overdue_filter("due", today))
        elif data["deadline"] == deadlines.NEAR_DUE:
            queryset = queryset.filter(deadlines.near_due_filter("due", today))
        # Queries: user, bureau group, calendar, count, the page with window, item and case.
        return queryset.select_related("window", "item", "case").order_by(
            F("closed_at").asc(nulls_first=True), "due", "pk"
        )
