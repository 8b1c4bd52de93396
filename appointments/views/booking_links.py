"""The private links of a booking: its token, exchanged on first open for a cookie scoped to the
booking's addresses (ipservice.private_links), and the addresses of its pages."""

from functools import wraps

from django.urls import reverse

from ipservice import private_links

from .. import services

# The session key of the details typed in step 5, kept until the booking is made.

# The booking afterwards: reference + token -----------------------------------------------------

# The cookie that holds a booking's token once its link has been opened, scoped to that
# booking's addresses (/booking/<reference>/…): see ipservice.private_links.
TOKEN_COOKIE = "booking_token"


def booking_path(case):
    """The address of the manage page, under which all the booking's pages lie."""
    return reverse("appointments:manage", args=[case.reference])


def grant_booking(response, case):
    """`response` with the cookie that opens this booking's pages until its link expires."""
    return private_links.grant(
        response,
        TOKEN_COOKIE,
        services.booking_token(case),
        path=booking_path(case),
        expires=services.manage_link_expires(case),
    )


def booking_page(view):
    """A page of one booking, for the person holding its link. A `?token=` is checked and
    exchanged for the booking's cookie (303 to the address without it); every other request,
    form posts included, authenticates by that cookie. A wrong or expired token, no cookie and
    another booking's cookie all get the same 404 as an unknown reference."""

    @wraps(view)
    def wrapped(request, reference):
        token = private_links.link_token(request)
        if token is not None:
            case = services.get_booking_for_token(reference, token)
            return private_links.exchange(
                request,
                TOKEN_COOKIE,
                services.booking_token(case),
                path=booking_path(case),
                expires=services.manage_link_expires(case),
            )
        token = private_links.cookie_token(request, TOKEN_COOKIE)
        return view(request, services.get_booking_for_token(reference, token))

    return wrapped


def booking_urls(case):
    """The booking's pages; none carries the token (the cookie opens them)."""
    return {
        name: reverse(f"appointments:{name}", args=[case.reference])
        for name in ("done", "manage", "ics", "qr", "reschedule", "cancel")
    }
