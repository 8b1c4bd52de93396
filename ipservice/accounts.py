"""Staff accounts (issue 10): who the client is, and lockout after failed logins (django-axes).

Failed logins are counted by axes on every way in (the login page, the admin, POST
/api/v1/auth/token/): each passes the request to `authenticate()`. A locked account is answered
429 with the API's error shape under /api/, else with the page registration/locked_out.html.
"""

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import APIView

from .authentication import issue_token


def client_address(request):
    """The client's address: behind the proxy, the header it sets (RATELIMIT_IP_META_KEY, the
    same one the rate limits count by), else the connection's address."""
    meta = request.META
    return meta.get(settings.RATELIMIT_IP_META_KEY) or meta.get("REMOTE_ADDR")


def lockout_message():
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many failed logins: this account is locked for %(minutes)s minutes. Try again "
        "later, or ask an administrator to unlock it."
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """axes' AXES_LOCKOUT_CALLABLE: 429, in JSON under /api/, else a page."""
    if request.path.startswith("/api/"):
        return lockout_api_response()
    context = {"message": lockout_message()}
    return render(request, "registration/locked_out.html", context, status=429)


def lockout_api_response():
    body = {"code": "locked_out", "message": lockout_message(), "errors": {}}
    return Response(body, status=status.HTTP_429_TOO_MANY_REQUESTS)


def locked(request, credentials):
    return settings.AXES_ENABLED and AxesProxyHandler.is_locked(request, credentials)


def username_max_length():
    user_model = get_user_model()
    return user_model._meta.get_field(user_model.USERNAME_FIELD).max_length


class ObtainTokenView(ObtainAuthToken):
    """POST /api/v1/auth/token/: DRF's view, with failed attempts counted and locked out by
    axes (the serializer passes the request to authenticate()) and the portal's JSON parser."""

    parser_classes = APIView.parser_classes

    def post(self, request, *args, **kwargs):
        data = request.data if isinstance(request.data, dict) else {}
        username = data.get("username")
        # Only a name the serializer could accept is looked up (a NUL cannot even be compared).
        usable = isinstance(username, str) and "\x00" not in username
        credentials = {"username": username if usable else None}
        if locked(request, credentials):
            return lockout_api_response()
        if usable and len(username) > username_max_length():
            # No account has such a name, and axes could not even record the failure (its
            # column is shorter): the answer to wrong credentials, without asking for them.
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Unable to log in with provided credentials.")]}
            )
        serializer = self.get_serializer(data=data)
        if not serializer.is_valid():
            if locked(request, credentials):
                return lockout_api_response()
            raise exceptions.ValidationError(serializer.errors)
        token = issue_token(serializer.validated_data["user"])
        return Response({"token": token.key})


obtain_token = ObtainTokenView.as_view()
