"""The public booking API (docs/architecture.md, "The HTTP contract"): slots of a day, and a booking
made, read and cancelled by the person holding its token. Anonymous; no session is read, so no CSRF
token is needed."""

from collections.abc import Mapping
from contextlib import nullcontext

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from ipservice.api import Conflict, PublicView, body_token, form_errors
from windows.models import ServicePoint

from .. import phone_codes, services, slots
from ..constants import BOOKING_RATE_GROUP
from ..exceptions import BookingRefused, SlotFull, SlotUnavailable, TransitionNotAllowed
from ..forms import BookingForm
from .booking_serializers import (
    BookingRequestSerializer,
    BookingSerializer,
    CancelRequestSerializer,
    NewBookingSerializer,
    RescheduleRequestSerializer,
    SlotQuerySerializer,
    SlotSerializer,
)


class RateLimited(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "rate_limited"
    default_detail = _("Too many requests from your address. Please wait a minute and try again.")
    wait = 60  # sent as Retry-After


def enforce_rate(request, group, rate):
    """Count this request against `rate` (e.g. "20/m") for the client address; 429 beyond it.
    The rate is read from settings on every request, so a load test can raise it."""
    if is_ratelimited(
        request._request, group=group, key="ip", rate=rate, method=ALL, increment=True
    ):
        raise RateLimited()


def refusal(exc):
    """The API answer to a refusal of the booking rules."""
    if isinstance(exc, SlotUnavailable):
        return exceptions.ValidationError({"start": [str(exc.message)]})
    if isinstance(exc, BookingRefused) and exc.code == "suspended":
        return exceptions.PermissionDenied(str(exc.message), code=exc.code)
    return Conflict(str(exc.message), code=exc.code)


REFUSALS = (SlotFull, SlotUnavailable, BookingRefused, TransitionNotAllowed)

# The answers of `refusal` and `enforce_rate`, for the schema (their body: ipservice.schema).
REFUSED = {
    409: OpenApiResponse(description="The slot is full, or a booking rule refuses it (`code`)."),
    429: OpenApiResponse(description="`rate_limited`: too many requests from this address."),
}
LOOKUP_LIMITED = {429: REFUSED[429]}


class WindowSlotsView(PublicView):
    """Slots of one day at a window for an item.

    Every slot of the day is listed; those that cannot be booked any more (past, or within the
    cut-off before their start) have `available` 0 and `bookable` false. A non-working day within
    the booking period gives an empty list; a day before today or beyond the period gives 400.
    """

    @extend_schema(
        parameters=[
            OpenApiParameter("item", str, required=True, description="Service item code."),
            OpenApiParameter("date", str, required=True, description="YYYY-MM-DD"),
        ],
        responses={200: SlotSerializer(many=True)},
    )
    def get(self, request, pk):
        query = SlotQuerySerializer(data=request.query_params)
        if not query.is_valid():
            if not _window_exists(pk):
                raise exceptions.NotFound(_("No such window."))
            raise exceptions.ValidationError(query.errors)
        code, date = query.validated_data["item"], query.validated_data["date"]
        now = timezone.now()
        day = slots.window_day(pk, date, now=now)  # warm: no query
        if day is None or not day.active:
            raise exceptions.NotFound(_("No such window."))
        if not day.offers(code):
            raise exceptions.ValidationError(
                {"item": [_("This window does not offer this service item.")]}
            )
        if date < day.today:
            raise exceptions.ValidationError({"date": [_("This day has passed.")]})
        if date > day.last_day:
            raise exceptions.ValidationError({"date": [str(day.horizon_refusal().message)]})
        entries = zip(day.slots, day.texts, strict=True)
        return Response([_entry(slot, texts, day.can_book(slot, now)) for slot, texts in entries])


def _window_exists(pk):
    return 0 < pk < 2**63 and ServicePoint.objects.active().filter(pk=pk).exists()


def _entry(slot, texts, bookable):
    """One slot; one that can no longer be booked (past, or within the cut-off) shows no room."""
    available = slot.available if bookable else 0
    return {
        "start": texts[0],
        "end": texts[1],
        "capacity": slot.capacity,
        "available": available,
        "bookable": available > 0,
    }


class AppointmentCreateView(PublicView):
    @extend_schema(
        request=BookingRequestSerializer,
        responses={
            201: NewBookingSerializer,
            403: OpenApiResponse(description="`suspended`: online booking suspended (no-shows)."),
            **REFUSED,
        },
    )
    def post(self, request):
        enforce_rate(request, BOOKING_RATE_GROUP, settings.BOOKING_RATE_LIMIT)
        if not isinstance(request.data, Mapping):
            raise exceptions.ValidationError(_("The request body must be a JSON object."))
        # The form validates what BookingRequestSerializer documents: the same messages as the
        # booking pages.
        now = timezone.now()
        form = BookingForm(data=request.data, now=now)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        data = form.cleaned_data
        fields = ("window", "item", "start", "name", "phone", "id_type", "id_number", "email")
        try:
            # The code is spent only if the booking is made (no code to spend: the booking's own
            # transaction is enough).
            with transaction.atomic() if form.phone_code_id is not None else nullcontext():
                spend_phone_code(form)
                case = services.book(
                    **{name: data[name] for name in fields}, now=now, day=form.window_day
                )
        except REFUSALS as exc:
            raise refusal(exc) from exc
        answer = NewBookingSerializer(case, context={"slot": data["slot"]})
        return Response(answer.data, status=status.HTTP_201_CREATED)


def spend_phone_code(form):
    """Spend the code the form checked; 400 on `phone_code` if another request spent it first."""
    if form.phone_code_id is not None and not phone_codes.use(form.phone_code_id):
        raise exceptions.ValidationError(
            {"phone_code": [_("This code has been used. Ask for a new one.")]}
        )


class BookingLookupMixin:
    def booking(self, request, reference, token):
        enforce_rate(request, "lookup", settings.LOOKUP_RATE_LIMIT)
        return services.get_booking_for_token(reference, token)


class AppointmentDetailView(BookingLookupMixin, PublicView):
    @extend_schema(
        parameters=[OpenApiParameter("token", str, required=True)],
        responses={200: BookingSerializer, **LOOKUP_LIMITED},
    )
    def get(self, request, reference):
        case = self.booking(request, reference, request.query_params.get("token"))
        return Response(BookingSerializer(case).data)


class AppointmentCancelView(BookingLookupMixin, PublicView):
    @extend_schema(request=CancelRequestSerializer, responses={200: BookingSerializer, **REFUSED})
    def post(self, request, reference):
        case = self.booking(request, reference, body_token(request))
        try:
            case = services.cancel(case)
        except REFUSALS as exc:
            raise refusal(exc) from exc
        return Response(BookingSerializer(case).data)


class AppointmentRescheduleView(BookingLookupMixin, PublicView):
    @extend_schema(
        request=RescheduleRequestSerializer, responses={200: BookingSerializer, **REFUSED}
    )
    def post(self, request, reference):
        case = self.booking(request, reference, body_token(request))
        serializer = RescheduleRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            case = services.reschedule(case, serializer.validated_data["start"])
        except REFUSALS as exc:
            raise refusal(exc) from exc
        return Response(BookingSerializer(case).data)
