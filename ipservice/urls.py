from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import accounts, views

api_v1 = [
    path("auth/token/", accounts.obtain_token, name="api-token"),
    path("", include("windows.api.urls")),
    path("", include("catalog.api.urls")),
    path("", include("appointments.api.urls")),
    path("", include("hall.api.urls")),
    path("", include("applications.api.urls")),
    path("", include("reviews.api.urls")),
]

# Swagger UI with its start-up script served as a file of its own (no inline script); its page
# template has a <style> element, allowed on this page only (settings CONTENT_SECURITY_POLICY).
api_docs = csp_update({"style-src": [UNSAFE_INLINE], "img-src": ["data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="schema")
)

urlpatterns = [
    path("", include("windows.home_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("preferences/a11y/", views.toggle_a11y, name="toggle-a11y"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("catalog/", include("catalog.urls")),
    path("windows/", include("windows.urls")),
    path("", include("appointments.urls")),
    path("", include("hall.urls")),
    path("", include("applications.urls")),
    path("", include("reviews.urls")),
]

handler404 = "ipservice.views.page_not_found"
handler500 = "ipservice.views.server_error"
