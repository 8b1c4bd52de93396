from django.urls import path

from . import booking_views as views
from .phone_code_views import PhoneCodeView

urlpatterns = [
    path("windows/<int:pk>/slots/", views.WindowSlotsView.as_view(), name="api-window-slots"),
    path("phone-codes/", PhoneCodeView.as_view(), name="api-phone-codes"),
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
