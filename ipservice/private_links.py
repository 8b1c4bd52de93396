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
