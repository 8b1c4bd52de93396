from django.db import DatabaseError, connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
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
    if request.path.startswith("/api/"):
        body = {"code": "server_error", "message": "服务器错误。Server error.", "errors": {}}
        return JsonResponse(body, status=500)
    return render(request, "500.html", status=500)
