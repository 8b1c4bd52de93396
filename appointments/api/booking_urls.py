from django.urls import path

from . import booking_views as views

urlpatterns = [
    path("windows/<int:pk>/slots/", views.WindowSlotsView.as_view(), name="api-window-slots"),
    path("appointments/", views.AppointmentCreateView.as_view(), name="api-appointment-create"),
    path(
        "appointments/<str:reference>/",
        views.AppointmentDetailView.as_view(),
        name="api-appointment-detail",
    ),
    path(
        "appointments/<str:reference>/cancel/",
        views.AppointmentCancelView.as_view(),
        name="api-appointment-cancel",
    ),
    path(
        "appointments/<str:reference>/reschedule/",
        views.AppointmentRescheduleView.as_view(),
        name="api-appointment-reschedule",
    ),
]
