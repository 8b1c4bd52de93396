"""The portal's URLs plus one view that fails, for the 500 page's tests (tests/core/
test_error_pages.py): ROOT_URLCONF names this module, whose handlers are the portal's."""

from django.urls import path

from ipservice.urls import handler404, handler500  # noqa: F401
from ipservice.urls import urlpatterns as portal


def fails(request):
    raise RuntimeError("a bug")


urlpatterns = [path("fails/", fails), path("api/v1/fails/", fails), *portal]
