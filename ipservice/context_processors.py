from django.conf import settings

A11Y_COOKIE = "a11y"
A11Y_MODES = ("large", "contrast")


def a11y_modes(request):
    raw = request.COOKIES.get(A11Y_COOKIE, "")
    return [m for m in raw.split(".") if m in A11Y_MODES]


def portal(request):
    return {
        "a11y_modes": a11y_modes(request),
        "portal_hotline": settings.PORTAL_HOTLINE,
        "citizen_hotline": settings.CITIZEN_HOTLINE,
    }
