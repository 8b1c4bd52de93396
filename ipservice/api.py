"""API conventions shared by every app: one error shape, Chinese messages, stable codes."""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler


class PublicView(APIView):
    # An endpoint anyone may call (a person without an account, a kiosk, a display): no session,
    # so no CSRF or login work, and a staff member's session does not turn it into a staff call.
    # (A comment, not a docstring: the API schema would show a docstring to every endpoint.)
    authentication_classes = []
    permission_classes = [AllowAny]


class Conflict(exceptions.APIException):
    """409: well-formed, but the object's state forbids it (a full slot, a wrong state)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "conflict"

    def __init__(self, detail=None, code=None):
        super().__init__(detail or _("The request conflicts with the current state."), code)


def body_token(request):
    """The `token` of a holder's POST (a booking's, a ticket's, an application's link), from a
    JSON object or a form body; None when absent or not a string: the same 404 as a wrong one."""
    data = request.data
    token = data.get("token") if isinstance(data, Mapping) else None
    return token if isinstance(token, str) else None


def bad_request(message, code="invalid", errors=None):
    body = {"code": code, "message": str(message), "errors": errors or {}}
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def form_errors(form):
    """{"field": ["message", ...]} from a Django form, with DRF's name for errors of no one
    field: forms validate the API's input too, so a field says the same on a page and in a 400."""
    errors = {}
    for field, messages in form.errors.get_json_data().items():
        key = "non_field_errors" if field == "__all__" else field
        errors[key] = [m["message"] for m in messages]
    return errors


def _first_message(detail):
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict) and detail:
        return _first_message(next(iter(detail.values())))
    return str(detail)


def exception_handler(exc, context):
    """Every API error is `{"code": ..., "message": ..., "errors": {...}}`."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        body = {"code": code, "message": _("Please correct the errors below.")}
        body["errors"] = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        if not isinstance(detail, dict):
            body["message"] = _first_message(detail)
    elif isinstance(exc, exceptions.ParseError) and exc.get_codes() == "parse_error":
        # DRF's parser message is English and names the parser's internals; say it plainly.
        body = {"code": "parse_error", "message": _("The request body is not valid JSON.")}
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else code
        if isinstance(codes, str):
            code = codes
        body = {"code": code, "message": _first_message(detail)}
    body.setdefault("errors", {})
    response.data = body
    return response
