"""The hall's API (docs/architecture.md, "The HTTP contract"; issue 13's names are fixed).

- POST /windows/{id}/tickets/ (anyone: the kiosk): 201, 400 per field, 409 quota/admission;
- GET /tickets/{id}/?token=T (the holder): 404 without the right token;
- POST /tickets/{id}/cancel/ (the holder, body `token`): 404 without the right token, 409 once
  the ticket no longer waits;
- GET /windows/{id}/queue/ (anyone: the display): no personal data, cached for a second;
- POST /counters/{id}/sign-in/, sign-out/ (staff of the window), call-next/ (the clerk signed in
  there: 200 with the ticket, 204 when nobody waits);
- POST /tickets/{id}/{action}/ (staff of the window): 409 wrong state, 404 another window's;
- GET, POST /windows/{id}/counters/ (staff of the window; POST supervisor or bureau).
"""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments.api.booking_views import RateLimited
from appointments.api.case_serializers import raise_as_api_error
from appointments.forms import PersonForm
from ipservice.api import Conflict, PublicView, body_token, form_errors
from windows.models import ServicePoint

from .. import services, waiting
from ..constants import TicketAction
from ..exceptions import HallError
from ..forms import CounterForm, FinishForm, TicketForm, TransferForm
from ..models import Counter


def body(request):
    """The request's JSON object; a 400 for an array, a string or a number (a form cannot read
    them)."""
    if not isinstance(request.data, Mapping):
        raise serializers.ValidationError(_("The request body must be a JSON object."))
    return request.data


def conflict(exc):
    return Conflict(exc.message, code=exc.code)


def invalid(form):
    raise serializers.ValidationError(form_errors(form))


class TicketCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    token = serializers.CharField()
    position = serializers.IntegerField()
    estimated_wait_minutes = serializers.IntegerField()
    status_url = serializers.CharField()


class TicketStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    position = serializers.IntegerField()
    estimated_wait_minutes = serializers.IntegerField()
    counter = serializers.IntegerField(allow_null=True)


class TicketRequestSerializer(serializers.Serializer):
    item = serializers.CharField(required=False)
    reference = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    priority_reason = serializers.CharField(required=False)


def issue_from_form(window, form, actor=None):
    """The ticket the form asks for (a walk-in's or a booking's)."""
    data = form.cleaned_data
    if data["item"]:
        return services.issue_walk_in(
            window, data["item"], phone=data["phone"], priority_reason=data["priority_reason"]
        )
    return services.issue_for_booking(
        window, data["reference"], actor=actor, priority_reason=data["priority_reason"]
    )


def created_data(ticket):
    state = waiting.ticket_state(ticket)
    return {
        **state,
        "token": services.ticket_token(ticket),
        "status_url": waiting.status_url(ticket),
    }


class TicketIssueView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        request=TicketRequestSerializer,
        responses={
            201: TicketCreatedSerializer,
            409: OpenApiResponse(description="`quota_used`, `admission_closed`, `wrong_state`."),
        },
    )
    def post(self, request, pk):
        window = get_object_or_404(ServicePoint.objects.active(), pk=pk)
        if services.too_many_tickets(request):
            raise RateLimited(_("Too many tickets from this address. Please wait a minute."))
        form = TicketForm(body(request), window=window)
        if not form.is_valid():
            invalid(form)
        actor = request.user if services.works_at(request.user, window.pk) else None
        try:
            ticket = issue_from_form(window, form, actor)
        except HallError as exc:
            raise conflict(exc) from exc
        except DjangoValidationError as exc:
            raise_as_api_error(exc)
        return Response(created_data(ticket), status=status.HTTP_201_CREATED)


class TicketStateView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("token", str, required=True)],
        responses={200: TicketStateSerializer},
    )
    def get(self, request, pk):
        ticket = services.get_ticket_for_token(pk, request.query_params.get("token"))
        return Response(waiting.ticket_state(ticket))


class TicketCancelRequestSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=64)


class TicketCancelView(PublicView):
    """The holder gives up a waiting ticket (token in the body): 404 for a wrong token as for an
    unknown ticket, 409 once it is no longer waiting."""

    @extend_schema(
        request=TicketCancelRequestSerializer,
        responses={
            200: TicketStateSerializer,
            409: OpenApiResponse(description="`wrong_state`: the ticket no longer waits."),
        },
    )
    def post(self, request, pk):
        ticket = services.get_ticket_for_token(pk, body_token(request))
        try:
            ticket = services.cancel(ticket)
        except HallError as exc:
            raise conflict(exc) from exc
        return Response(waiting.ticket_state(ticket))


class QueueView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiResponse(description="`calls`, `waiting`, `time`.")})
    def get(self, request, pk):
        snapshot = waiting.queue_snapshot(pk)
        if snapshot is None:
            raise NotFound()
        return Response(snapshot)


class CounterSerializer(serializers.ModelSerializer):
    items = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    clerk = serializers.SerializerMethodField()

    class Meta:
        model = Counter
        fields = ["id", "window", "number", "label", "active", "items", "clerk"]

    def get_clerk(self, counter) -> str | None:
        sessions = [s for s in counter.sessions.all() if s.signed_out_at is None]
        return sessions[0].user.get_username() if sessions else None


class CounterListView(APIView):
    permission_classes = [IsAuthenticated]

    def window(self, request, pk):
        window = services.visible_windows(request.user).filter(pk=pk).first()
        if window is None:
            raise NotFound()
        return window

    @extend_schema(responses={200: CounterSerializer(many=True)})
    def get(self, request, pk):
        window = self.window(request, pk)
        counters = window.hall_counters.prefetch_related("items", "sessions__user")
        return Response(CounterSerializer(counters, many=True).data)

    @extend_schema(request=CounterSerializer, responses={201: CounterSerializer})
    def post(self, request, pk):
        window = self.window(request, pk)
        if not services.can_manage_counters(request.user, window):
            raise PermissionDenied()
        data = dict(body(request))
        codes = data.get("items") or []
        if isinstance(codes, list):
            found = dict(
                window.items.filter(code__in=[str(c) for c in codes]).values_list("code", "pk")
            )
            data["items"] = [found.get(str(c), -1) for c in codes]
        form = CounterForm(data, window=window)
        if not form.is_valid():
            invalid(form)
        counter = form.save()
        return Response(CounterSerializer(counter).data, status=status.HTTP_201_CREATED)


class TicketSerializer(serializers.Serializer):
    """A ticket for the staff: the holder's phone masked."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    item = serializers.CharField(source="item.code")
    booked = serializers.BooleanField()
    priority = serializers.BooleanField()
    priority_reason = serializers.CharField()
    counter = serializers.IntegerField(source="counter.number", allow_null=True, default=None)
    case = serializers.IntegerField(source="case_id", allow_null=True)
    recalls = serializers.IntegerField()
    issued_at = serializers.DateTimeField()
    called_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


def ticket_data(ticket):
    """The ticket as the services return it (item and counter loaded with the row)."""
    return TicketSerializer(ticket).data


COUNTER_ACTIONS = ("sign-in", "sign-out", "call-next")


class CounterActionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="v1_counters_action",
        request=None,
        responses={
            200: TicketSerializer,
            204: OpenApiResponse(description="call-next: nobody waits."),
            409: OpenApiResponse(
                description="`counter_taken`, `already_signed_in`; call-next: `counter_busy` "
                "(a ticket is still called or being served at this counter)."
            ),
        },
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=COUNTER_ACTIONS)],
    )
    def post(self, request, pk, action):
        if action not in COUNTER_ACTIONS:
            raise NotFound()
        counter = services.get_counter_for_clerk(request.user, pk)
        try:
            if action == "sign-in":
                services.sign_in(counter, request.user)
                return Response({"counter": counter.pk, "signed_in": True})
            if action == "sign-out":
                services.sign_out(counter, request.user)
                return Response({"counter": counter.pk, "signed_in": False})
            ticket = services.call_next(counter, request.user)
        except HallError as exc:
            raise conflict(exc) from exc
        if ticket is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ticket_data(ticket))


def _recall(ticket, request):
    return services.recall(ticket, request.user)


def _no_show(ticket, request):
    return services.no_show(ticket, request.user)


def _start(ticket, request):
    person = None
    if ticket.case_id is None:
        form = PersonForm(body(request))
        if not form.is_valid():
            invalid(form)
        person = form.cleaned_data
    return services.start(ticket, request.user, person)


def _finish(ticket, request):
    form = FinishForm(body(request))
    if not form.is_valid():
        invalid(form)
    return services.finish(ticket, request.user, complete=form.cleaned_data["complete"])


def _transfer(ticket, request):
    form = TransferForm(body(request), ticket=ticket)
    if not form.is_valid():
        invalid(form)
    return services.transfer(ticket, request.user, **form.cleaned_data)


HANDLERS = {
    TicketAction.RECALL: _recall,
    TicketAction.NO_SHOW: _no_show,
    TicketAction.START: _start,
    TicketAction.FINISH: _finish,
    TicketAction.TRANSFER: _transfer,
}
assert set(HANDLERS) == set(services.STAFF_ACTIONS)


class TicketActionView(APIView):
    """recall, no-show, start (a walk-in: the person's fields), finish (`complete`),
    transfer (`counter` id or `item` code)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="v1_tickets_action",
        request=None,
        responses={
            200: TicketSerializer,
            400: OpenApiResponse(description="`invalid`: a bad body."),
            409: OpenApiResponse(description="`wrong_state`, `recall_limit`."),
        },
        parameters=[
            OpenApiParameter(
                "action", str, OpenApiParameter.PATH, enum=[str(a) for a in services.STAFF_ACTIONS]
            )
        ],
    )
    def post(self, request, pk, action):
        handler = HANDLERS.get(action)
        if handler is None:
            raise NotFound()
        ticket = services.get_ticket_for_user(request.user, pk)
        # The state first: a wrong state answers 409 whatever the body.
        if action not in services.allowed_actions(ticket):
            raise conflict(services.WrongState())
        try:
            ticket = handler(ticket, request)
        except HallError as exc:
            raise conflict(exc) from exc
        except DjangoValidationError as exc:
            raise_as_api_error(exc)
        except Http404:
            raise
        return Response(ticket_data(ticket))
