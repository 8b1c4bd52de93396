"""The OpenAPI schema's shared pieces (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS): the one error body
of ipservice/api.py, documented on every operation for the error answers that can come from it.

Which errors apply is read from the view, in one place, not copied into each view:
- 400 where the operation takes a body or query parameters;
- 401 where the first authentication class asks for credentials (`WWW-Authenticate: Token`);
- 403 where authentication without such a header can fail (DRF then answers 403, as for a
  missing CSRF token of a session), or a permission beyond a login is needed;
- 404 where the path names an object.
A view documents the answers only it gives (409 of a state, 403 of a refusal) in its
`extend_schema`; a response documented there without a body gets the error body here.
"""

from drf_spectacular import openapi
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated

ERROR_DESCRIPTIONS = {
    400: "`invalid`: bad input; per-field messages in `errors`.",
    401: "Not logged in, or a token that is wrong or has expired.",
    403: "Not allowed: not logged in (session), or not a member of the staff concerned.",
    404: "No such object, or one that belongs to another window.",
    409: "The object's state does not allow this.",
    429: "Too many requests from this address or for this account.",
}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ErrorSerializer(serializers.Serializer):
    """Every error answer of the API (ipservice.api.exception_handler)."""

    code = serializers.CharField(
        help_text="Stable code for programs, e.g. `invalid`, `not_found`, `wrong_state`."
    )
    message = serializers.CharField(help_text="A readable message (Chinese by default).")
    errors = serializers.DictField(
        help_text="Per-field messages of a 400: `{field: [message, ...]}`; empty otherwise."
    )


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for status in self.error_statuses(operation):
            responses.setdefault(str(status), {"description": ERROR_DESCRIPTIONS[status]})
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        for status, response in responses.items():
            if int(status) >= 400 and "content" not in response:
                response["content"] = {"application/json": {"schema": error}}
        return operation

    def error_statuses(self, operation):
        parameters = operation.get("parameters", [])
        statuses = set()
        if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
            statuses.add(400)
        statuses.update(self.authentication_statuses())
        if any(p["in"] == "path" for p in parameters):
            statuses.add(404)
        return sorted(statuses)

    def authentication_statuses(self):
        authenticators = self.view.get_authenticators()
        permissions = self.view.get_permissions()
        statuses = set()
        if authenticators and authenticators[0].authenticate_header(self.view.request):
            statuses.add(401)
        elif authenticators:
            statuses.add(403)
        if self.method in UNSAFE_METHODS and any(
            isinstance(a, SessionAuthentication) for a in authenticators
        ):
            statuses.add(403)  # a session's request without its CSRF token
        if any(not isinstance(p, (AllowAny, IsAuthenticated)) for p in permissions):
            statuses.add(403)
        return statuses
