"""Security headers beyond Django's own (issue 10). The Content-Security-Policy is django-csp's
(CONTENT_SECURITY_POLICY in settings); here:

- Permissions-Policy on every answer: the browser features in PERMISSIONS_POLICY are off, and a
  view that needs one says so with @permissions_policy (the check-in scanner's camera);
- `Cache-Control: no-store` on every answer that may show personal data whole, so that no
  browser cache or proxy keeps it.
"""

from functools import wraps

from django.conf import settings
from django.utils.cache import add_never_cache_headers

from . import private_links

PERMISSIONS_POLICY_HEADER = "Permissions-Policy"


def permissions_policy(**features):
    """View decorator: this page may use these features, e.g. `camera=["self"]`; the others
    stay as PERMISSIONS_POLICY says."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.permissions_policy = features
            return response

        return wrapped

    return decorator


def format_permissions_policy(features):
    """{"camera": ["self"], "usb": []} -> "camera=(self), usb=()"."""
    return ", ".join(f"{name}=({' '.join(allowed)})" for name, allowed in features.items())


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        features = {**settings.PERMISSIONS_POLICY, **getattr(response, "permissions_policy", {})}
        if features and PERMISSIONS_POLICY_HEADER not in response:
            response[PERMISSIONS_POLICY_HEADER] = format_permissions_policy(features)
        return response


def shows_personal_data(request):
    """Whether the answer may show someone's data whole: the request of a signed-in user (staff
    pages, case pages, exports, the admin, the API in a session) or one with credentials of its
    own (an API token, a private link's token). Public pages for anonymous visitors keep their
    own caching; the private-link pages of the person are never_cache themselves."""
    if "HTTP_AUTHORIZATION" in request.META or private_links.TOKEN_PARAM in request.GET:
        return True
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False  # no session, so no signed-in user (and no session to load for asking)
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


class NoStoreMiddleware:
    """Below WhiteNoise, so that static files keep their long caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", "") and shows_personal_data(request):
            add_never_cache_headers(response)
        return response
