"""API conventions shared by every app: one error shape, Chinese messages, stable codes."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, parsers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    """409: well-formed, but the object's state forbids it (a full slot, a wrong state)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "conflict"

    def __init__(self, detail=None, code=None):
        super().__init__(detail or _("The request conflicts with the current state."), code)


def bad_request(message, code="invalid", errors=None):
    body = {"code": code, "message": str(message), "errors": errors or {}}
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


# Deeper than any body this API takes; Python's own limit (about 1,000) would be a 500.
MAX_JSON_DEPTH = 32


def _check_depth(data):
    """Walks the parsed body without recursion; deeper than MAX_JSON_DEPTH is a 400. (A NUL
    character in a string is left to the fields: each says so in its own error.)"""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise exceptions.ParseError(
                _("The request body is nested too deeply."), code="too_deep"
            )
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


class JSONParser(parsers.JSONParser):
    """DRF's parser, plus: nesting too deep (for Python, or for any body this API takes) is a
    400."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError(
                _("The request body is nested too deeply."), code="too_deep"
            ) from exc
        _check_depth(data)
        return data


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """`?limit=` and `?offset=` are whole numbers, the limit at most API_MAX_PAGE_SIZE; anything
    else is a 400 that says so (DRF would quietly use its default, or a number the database
    cannot hold)."""

    default_limit = settings.REST_FRAMEWORK["PAGE_SIZE"]
    max_limit = settings.API_MAX_PAGE_SIZE
    # Far past any list this portal has; a bigger one is a mistake or a probe.
    max_offset = 10**9

    def get_limit(self, request):
        return self._number(request, self.limit_query_param, 1, self.max_limit, self.default_limit)

    def get_offset(self, request):
        return self._number(request, self.offset_query_param, 0, self.max_offset, 0)

    def _number(self, request, name, lowest, highest, default):
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not lowest <= value <= highest:
            message = _("%(name)s must be a whole number from %(low)s to %(high)s.") % {
                "name": name,
                "low": lowest,
                "high": highest,
            }
            raise exceptions.ValidationError({name: [message]})
        return value


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
