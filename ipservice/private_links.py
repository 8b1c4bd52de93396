"""Private links: a secret token in the link of an SMS, exchanged on first open for a cookie.

A token in an address ends up in access logs and in Referer headers, where whoever reads them
could cancel someone's booking (issue 10). So a page opened with `?token=` has its caller check
the token, and answers with `exchange()`: a 303 to the same address without the token, setting
a cookie that holds it, HttpOnly, SameSite=Lax and scoped to that one booking's path. Later
requests and form posts authenticate by `cookie_token()`; the caller checks that token exactly
as it checked the one in the link, expiry included.
"""

import logging
import re
from functools import wraps

from django.conf import settings
from django.http import HttpResponseRedirect

TOKEN_PARAM = "token"


def link_token(request):
    """The token in the address (a link just opened), or None."""
    return request.GET.get(TOKEN_PARAM)


def cookie_token(request, cookie):
    """The token the browser was given for this page's path; "" without one."""
    return request.COOKIES.get(cookie, "")


def exchange(request, cookie, token, *, path, expires=None, redirect_path=None):
    """303 to the request's address (or `redirect_path`) without its token, handing the browser
    the cookie that holds it (see grant). The other query parameters are kept."""
    query = request.GET.copy()
    query.pop(TOKEN_PARAM, None)
    url = redirect_path or request.path
    if query:
        url = f"{url}?{query.urlencode()}"
    return grant(HttpResponseRedirect(url, status=303), cookie, token, path=path, expires=expires)


def grant(response, cookie, token, *, path, expires=None):
    """Sets the cookie that holds `token` for `path` and the addresses under it, until
    `expires` (None: the browser's session)."""
    response.set_cookie(
        cookie,
        token,
        expires=expires,
        path=path,
        # Secure wherever the session cookie is (DJANGO_DEBUG=0): the token is as secret.
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def holder_page(cookie, find, link, *, key="reference"):
    """A decorator for the pages of one thing (a booking, a ticket, an application) that the
    holder of its private link opens, named in the address by the URL parameter `key`.
    `find(key's value, token)` answers the thing or raises Http404 (a wrong token the same 404
    as an unknown key); `link(thing)` the keyword arguments of
    exchange(): the `token` the cookie holds, the `path` it is scoped to, maybe when it
    `expires` and a `redirect_path`. A `?token=` is checked and exchanged for the cookie (303 to
    the address without it); every other request, form posts included, authenticates by that
    cookie, and the view is called with the thing in place of its key."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            named = kwargs.pop(key)
            token = link_token(request)
            if token is not None:
                return exchange(request, cookie, **link(find(named, token)))
            return view(request, find(named, cookie_token(request, cookie)), *args, **kwargs)

        return wrapped

    return decorator


# Django's own request logging (runserver's request lines, a 404's warning) names addresses too.
TOKEN_IN_TEXT = re.compile(r"(?i)\b(token=)[^&\s\"']+")


def redact(text):
    """`text` with the value of every `token=` parameter blanked out."""
    return TOKEN_IN_TEXT.sub(r"\1[redacted]", text)


class RedactTokensFilter(logging.Filter):
    """A logging filter (LOGGING in settings): no record shows a private link's token."""

    def filter(self, record):
        message = record.getMessage()
        if TOKEN_IN_TEXT.search(message):
            record.msg, record.args = redact(message), ()
        return True
