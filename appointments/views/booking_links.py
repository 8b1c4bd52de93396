"""The private links of a booking: its token, exchanged on first open for a cookie scoped to the
booking's addresses (ipservice.private_links), and the addresses of its pages."""

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


def _booking_link(case):
    return {
        "token": services.booking_token(case),
        "path": booking_path(case),
        "expires": services.manage_link_expires(case),
    }


# A page of one booking, for the person holding its link (private_links.holder_page): a wrong or
# expired token, no cookie and another booking's cookie all get the same 404 as an unknown
# reference.
booking_page = private_links.holder_page(
    TOKEN_COOKIE, services.get_booking_for_token, _booking_link
)


def booking_urls(case):
    """The booking's pages; none carries the token (the cookie opens them)."""
    return {
        name: reverse(f"appointments:{name}", args=[case.reference])
        for name in ("done", "manage", "ics", "qr", "reschedule", "cancel")
    }
