from django.urls import include, path

app_name = "appointments"

urlpatterns = [
    path("", include("appointments.views.booking_urls")),
    path("", include("appointments.views.workbench_urls")),
]
