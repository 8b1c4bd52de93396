from django.urls import include, path

urlpatterns = [
    path("", include("appointments.api.calendar_urls")),
    path("", include("appointments.api.booking_urls")),
    path("", include("appointments.api.case_urls")),
]
