"""The cases API (docs/architecture.md, "The HTTP contract"): list and register cases, read one,
and move it by a staff action.

Who sees what is decided by appointments.cases, the same functions the workbench pages use:
- anonymous: 403 (401 with a wrong token);
- a case of a window the user does not work at (and the user is not bureau): 404;
- the bureau reads every case but does not handle them: actions 403;
- a wrong state: 409 `{"code": "wrong_state"}`; a bad body: 400 with per-field errors;
- POST /cases/ for a window where the user does not work: 400 with an error on `window`.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ipservice import dates
from ipservice.api import Conflict

from .. import cases
from ..constants import Action
from ..exceptions import TransitionNotAllowed
from ..models import Case, CaseEvent
from ..workflow import STAFF_ACTIONS, allowed_actions
from .case_serializers import (
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseSerializer,
    PendingSerializer,
    RejectSerializer,
    raise_as_api_error,
)


def case_detail_data(user, pk):
    """The detail of a case, with its timeline and missing materials in two fixed queries."""
    case = cases.get_case_for_user(user, pk)
    events = CaseEvent.objects.select_related("actor")
    prefetch_related_objects([case], Prefetch("events", queryset=events), "missing_materials")
    return CaseDetailSerializer(case).data


class CaseListView(generics.ListCreateAPIView):
    permission_classes = [IsAuthenticated]
    filterset_class = cases.CaseFilter

    queryset = Case.objects.none()  # for the schema; the real one depends on the user

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()  # schema generation: no user, no calendar lookup
        queryset = Case.objects.for_user(self.request.user).select_related("item")
        return cases.due_first(queryset, dates.today())

    def get_serializer_class(self):
        return CaseCreateSerializer if self.request.method == "POST" else CaseSerializer

    @extend_schema(responses={201: CaseDetailSerializer})
    def post(self, request, *args, **kwargs):
        serializer = CaseCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        try:
            case = cases.create_walk_in(**serializer.validated_data, actor=request.user)
        except DjangoValidationError as exc:
            raise_as_api_error(exc)
        return Response(case_detail_data(request.user, case.pk), status=status.HTTP_201_CREATED)


class CaseDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CaseDetailSerializer)
    def get(self, request, pk):
        return Response(case_detail_data(request.user, pk))


def _check_in(case, request):
    return cases.check_in(case, request.user)


def _accept(case, request):
    return cases.accept(case, request.user)


def _accept_pending(case, request):
    body = PendingSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return cases.accept_pending(
        case, request.user, body.validated_data["materials"], body.validated_data["materials_due"]
    )


def _reject(case, request):
    body = RejectSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return cases.reject(case, request.user, body.validated_data["reason"])


def _complete(case, request):
    return cases.complete(case, request.user)


HANDLERS = {
    Action.CHECK_IN: _check_in,
    Action.ACCEPT: _accept,
    Action.ACCEPT_PENDING: _accept_pending,
    Action.REJECT: _reject,
    Action.COMPLETE: _complete,
}
assert set(HANDLERS) == set(STAFF_ACTIONS)


class CaseActionView(APIView):
    """POST /cases/{id}/{action}/: check-in, accept, accept-pending (`materials`: ids or names of
    tolerable materials, `materials_due`: a future date), reject (`reason`), complete."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="v1_cases_action",
        request=None,
        responses={
            200: CaseDetailSerializer,
            400: OpenApiResponse(description="`invalid`: a bad body of accept-pending or reject."),
            403: OpenApiResponse(description="A reader who may not act on the case (the bureau)."),
            409: OpenApiResponse(description="`wrong_state`: the case's status forbids it."),
        },
        parameters=[
            OpenApiParameter(
                "action", str, OpenApiParameter.PATH, enum=[str(a) for a in STAFF_ACTIONS]
            )
        ],
    )
    def post(self, request, pk, action):
        handler = HANDLERS.get(action)
        if handler is None:
            raise NotFound()
        case = cases.get_case_for_user(request.user, pk, handle=True)
        # The state is checked before the body, so a wrong state answers 409 whatever was sent;
        # apply_transition checks it again under a row lock.
        if action not in allowed_actions(case):
            raise Conflict(TransitionNotAllowed.default_message, code=TransitionNotAllowed.code)
        try:
            handler(case, request)
        except TransitionNotAllowed as exc:
            raise Conflict(exc.message, code=exc.code) from exc
        except DjangoValidationError as exc:
            raise_as_api_error(exc)
        return Response(case_detail_data(request.user, pk))
