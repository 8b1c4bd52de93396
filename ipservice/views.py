from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .context_processors import A11Y_COOKIE, A11Y_MODES, a11y_modes

ONE_YEAR = 365 * 24 * 3600


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "error", "detail": "database"}, status=503)
    return JsonResponse({"status": "ok"})


def _safe_next(request):
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@require_POST
def toggle_a11y(request):
    """Switch large text or high contrast on or off; a cookie keeps the choice for a year."""
    mode = request.POST.get("mode")
    modes = a11y_modes(request)
    if mode in A11Y_MODES:
        modes = [m for m in modes if m != mode] if mode in modes else [*modes, mode]
    response = HttpResponseRedirect(_safe_next(request))
    response.set_cookie(A11Y_COOKIE, ".".join(modes), max_age=ONE_YEAR, samesite="Lax")
    return response


def page_not_found(request, exception):
    if request.path.startswith("/api/"):
        # The API's error body (ipservice.api), as the schema documents it.
        body = {"code": "not_found", "message": "未找到。Not found.", "errors": {}}
        return JsonResponse(body, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    """The portal's 500 page: a template of its own rendered without the request's context
    (no context processor, so nothing reads the session, the user or the database, which may be
    what failed), in the language the request was in."""
    if request.path.startswith("/api/"):
        body = {"code": "server_error", "message": "服务器错误。Server error.", "errors": {}}
        return JsonResponse(body, status=500)
    hotlines = {
        "portal_hotline": settings.PORTAL_HOTLINE,
        "citizen_hotline": settings.CITIZEN_HOTLINE,
    }
    return HttpResponseServerError(loader.render_to_string("500.html", hotlines))


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the portal's page, saying what to do (reload, send again), instead of
    Django's bare one. The reason stays out of the page; it is for the log."""
    return render(request, "403_csrf.html", status=403)


@require_GET
def favicon(request):
    """/favicon.ico, which browsers ask for where a page names no icon (files, the API): the
    portal's icon, under its static address (hashed in production, so not a permanent
    redirect)."""
    response = HttpResponseRedirect(static("favicon.svg"))
    patch_cache_control(response, public=True, max_age=24 * 3600)
    return response
