from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class ChineseByDefaultMiddleware:
    """Chinese is the portal's language until the person switches (the language cookie).

    Django's LocaleMiddleware would otherwise follow the browser's Accept-Language, and most
    browsers, set up in English by default, would then never see the Chinese site."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class RefuseNulMiddleware:
    """A NUL character in the path or a cookie, or in the query string of an API request, is a
    400 with a message.

    No address or value of this portal holds one, and PostgreSQL cannot even compare a string
    that has one: left alone, it reaches a query and answers 500. Pages read their query strings
    through forms, which refuse it field by field (the booking steps lead back to a step); so do
    JSON bodies through the API's fields."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_nul(request):
            return bad_request_response(request, _("The request contains a NUL character."))
        return self.get_response(request)


def has_nul(request):
    texts = [request.path, *request.COOKIES, *request.COOKIES.values()]
    if is_api(request):
        for key, values in request.GET.lists():
            texts += [key, *values]
    return any("\x00" in text for text in texts)


def is_api(request):
    return request.path.startswith("/api/")


def bad_request_response(request, message):
    """400 in the API's error shape under /api/, else the readable 400 page."""
    if is_api(request):
        body = {"code": "bad_request", "message": str(message), "errors": {}}
        return JsonResponse(body, status=400)
    return render(request, "400.html", {"message": message}, status=400)


# Headers only a reverse proxy may set: the scheme (SECURE_PROXY_SSL_HEADER) and the client's
# address (RATELIMIT_IP_META_KEY, axes).
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_REAL_IP",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
)


class TrustedProxyMiddleware:
    """With TRUSTED_PROXY_IPS set, forwarded headers from any other address are dropped: a
    client that reaches gunicorn directly cannot pretend to be on HTTPS or to be someone else.
    Unset (development), requests are taken as they come."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = frozenset(settings.TRUSTED_PROXY_IPS)

    def __call__(self, request):
        if self.trusted and request.META.get("REMOTE_ADDR") not in self.trusted:
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
