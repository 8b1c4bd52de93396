"""The applications API (docs/architecture.md, "The HTTP contract"):

- POST /applications/ (anyone, multipart): 201 {reference, token}; 400 per field, naming a bad
  file; GET /applications/ (staff: their windows; the bureau all; ?status=);
- GET /applications/{reference}/?token= and POST …/corrections/ (multipart, `token`): the
  applicant; a wrong token is the same 404 as an unknown reference;
- GET /applications/{id}/ and POST /applications/{id}/{action}/ (staff of the handling window:
  another window's 404, the bureau 403 for actions; a wrong state 409);
- GET /applications/{id}/files/{material id}/: the file as an attachment, to staff of that
  window, the bureau, or the applicant with ?token=.
"""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, parsers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments.api.booking_views import LOOKUP_LIMITED, enforce_rate, spend_phone_code
from appointments.api.case_serializers import raise_as_api_error
from catalog.models import ServiceItem
from ipservice.api import Conflict, PublicView, body_token, form_errors

from .. import files, services
from ..constants import Action, Status
from ..exceptions import ApplicationError
from ..forms import ApplicationForm, CorrectionForm
from ..models import Application
from .serializers import (
    ApplicationDetailSerializer,
    ApplicationSerializer,
    NewApplicationSerializer,
    PendingSerializer,
    RejectSerializer,
    ReturnSerializer,
    ShipSerializer,
)

RATE_GROUP = "applications.submit"
REFUSED = {409: OpenApiResponse(description="`wrong_state`: the status forbids it.")}
# Multipart only: any other body (or a multipart body without its boundary) is a 415.
MULTIPART = {415: OpenApiResponse(description="`unsupported_media_type`: not multipart.")}


def _detail(application):
    return ApplicationDetailSerializer(application).data


class ApplicationListView(generics.ListCreateAPIView):
    """GET: staff's list (?status=); POST: a new application (multipart; anyone)."""

    serializer_class = ApplicationSerializer
    parser_classes = [parsers.MultiPartParser]
    queryset = Application.objects.none()

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        queryset = Application.objects.for_user(self.request.user).select_related(
            "item", "window", "case"
        )
        wanted = self.request.query_params.get("status")
        if wanted is not None:
            if wanted not in Status.values:
                raise exceptions.ValidationError({"status": [_("Unknown status.")]})
            queryset = queryset.filter(status=wanted)
        return queryset.order_by("prereview_due", "pk")

    @extend_schema(
        request={"multipart/form-data": {"type": "object"}},
        responses={201: NewApplicationSerializer, **MULTIPART, **LOOKUP_LIMITED},
        description="Fields: item (code), window (id), person fields and phone_code as for "
        "bookings, delivery (window/post), address, notes, one file per material as "
        "material_<material id>.",
    )
    def post(self, request, *args, **kwargs):
        enforce_rate(request, RATE_GROUP, settings.APPLICATION_RATE_LIMIT)
        code = request.data.get("item")
        item = None
        if isinstance(code, str) and code:
            item = ServiceItem.objects.published().filter(code=code[:30]).first()
        if item is None or "online" not in item.channels:
            message = _("This service item does not exist or is not handled online.")
            raise exceptions.ValidationError({"item": [message]})
        form = ApplicationForm(data=request.data, files=request.FILES, item=item)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        with transaction.atomic():
            spend_phone_code(form)
            application = form.submit()
        return Response(NewApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


class ApplicantView(PublicView):
    def application(self, request, reference, token):
        enforce_rate(request, "lookup", settings.LOOKUP_RATE_LIMIT)
        return services.get_for_token(reference, token)


class ApplicationDetailView(APIView):
    """The applicant with `?token=`; staff of the handling window and the bureau without it.
    A wrong token, a stranger and an unknown reference get the same 404."""

    @extend_schema(
        parameters=[OpenApiParameter("token", str, description="The applicant's token.")],
        responses={200: ApplicationDetailSerializer, **LOOKUP_LIMITED},
    )
    def get(self, request, reference):
        token = request.query_params.get("token")
        if token is not None:
            enforce_rate(request, "lookup", settings.LOOKUP_RATE_LIMIT)
            return Response(_detail(services.get_for_token(reference, token)))
        application = (
            Application.objects.for_user(request.user)
            .select_related("item", "window", "case")
            .filter(reference=reference[:20])
            .first()
        )
        if application is None:
            raise Http404()
        return Response(_detail(application))


class CorrectionsView(ApplicantView):
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": {"type": "object"}},
        responses={200: ApplicationDetailSerializer, **REFUSED, **MULTIPART, **LOOKUP_LIMITED},
        description="`token` and one file per material asked, as material_<material id>; after "
        "an acceptance on commitment (告知承诺), the materials promised.",
    )
    def post(self, request, reference):
        application = self.application(request, reference, body_token(request) or "")
        promised = services.promised_materials(application)
        if application.status != Status.CORRECTION and not promised:
            raise Conflict(_("No corrections are asked for now."), code="wrong_state")
        asked = promised or [m for m, _reason in services.asked_materials(application)]
        form = CorrectionForm(data=request.data, files=request.FILES, materials=asked)
        form.fields_required(not promised)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        change = services.give_promised if promised else services.resubmit
        try:
            application = change(application, form.clean_files_by_material)
        except ApplicationError as exc:
            raise Conflict(str(exc.message), code=exc.code) from exc
        except DjangoValidationError as exc:
            raise_as_api_error(exc)
        return Response(_detail(application))


def _return(application, request):
    body = ReturnSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return services.return_for_correction(
        application, request.user, body.validated_data["materials"]
    )


def _accept(application, request):
    return services.accept(application, request.user)


def _accept_pending(application, request):
    body = PendingSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    return services.accept_pending(
        application, request.user, data.get("materials"), data["materials_due"]
    )


def _reject(application, request):
    body = RejectSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return services.reject(application, request.user, body.validated_data["reason"])


def _ship(application, request):
    body = ShipSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    return services.ship(application, request.user, data["courier"], data["tracking"])


def _complete(application, request):
    return services.complete(application, request.user)


HANDLERS = {
    Action.RETURN: _return,
    Action.ACCEPT: _accept,
    Action.ACCEPT_PENDING: _accept_pending,
    Action.REJECT: _reject,
    Action.SHIP: _ship,
    Action.COMPLETE: _complete,
}
assert set(HANDLERS) == set(services.STAFF_ACTIONS)


class ActionView(APIView):
    """return (`materials`: {id: reason}), accept, accept-pending (`materials_due`, optional
    `materials`), reject (`reason`), ship (`courier`, `tracking`), complete."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="v1_applications_action",
        request=None,
        responses={200: ApplicationDetailSerializer, **REFUSED},
        parameters=[
            OpenApiParameter("action", str, OpenApiParameter.PATH, enum=[str(a) for a in HANDLERS])
        ],
    )
    def post(self, request, pk, action):
        handler = HANDLERS.get(action)
        if handler is None:
            raise exceptions.NotFound()
        application = services.get_for_user(request.user, pk, handle=True)
        # The state first, so a wrong state answers 409 whatever the body; checked again
        # under the row lock.
        if action not in services.allowed_actions(application):
            raise Conflict(str(ApplicationError.default_message), code="wrong_state")
        try:
            with transaction.atomic():
                handler(application, request)
        except ApplicationError as exc:
            raise Conflict(str(exc.message), code=exc.code) from exc
        except DjangoValidationError as exc:
            raise_as_api_error(exc)
        return Response(_detail(services.get_for_user(request.user, pk)))


class FileView(APIView):
    """The current file of one material (or, for staff, an earlier one: ?submission=)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("token", str, description="The applicant's token."),
            OpenApiParameter("submission", int, description="An earlier file's id (staff)."),
        ],
        responses={(200, "application/octet-stream"): OpenApiResponse(description="The file")},
    )
    def get(self, request, pk, material_id):
        token = request.query_params.get("token")
        if token is not None:
            application = Application.objects.filter(pk=pk if pk < 2**63 else 0).first()
            if application is None or not services.check_token(application, token):
                raise Http404()
            earlier = None
        else:
            if not request.user.is_authenticated:
                raise exceptions.NotAuthenticated()
            application = services.get_for_user(request.user, pk)
            earlier = request.query_params.get("submission")
        return files.serve(application, material_id, earlier)
