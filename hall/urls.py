from django.urls import path

from . import views

app_name = "hall"

urlpatterns = [
    path("windows/<int:pk>/kiosk/", views.kiosk, name="kiosk"),
    path("windows/<int:pk>/display/", views.display, name="display"),
    path("tickets/<int:pk>/", views.ticket_page, name="ticket"),
    path("tickets/<int:pk>/cancel/", views.ticket_cancel, name="ticket_cancel"),
    path("tickets/<int:pk>/qr.png", views.ticket_qr, name="ticket_qr"),
    path("staff/counters/", views.counter_list, name="counter_list"),
    path("staff/counters/<int:pk>/", views.counter_page, name="counter"),
    path("staff/counters/<int:pk>/check-in/", views.counter_check_in, name="counter_check_in"),
    path("staff/counters/<int:pk>/<str:action>/", views.counter_action, name="counter_action"),
    path("staff/tickets/<int:pk>/priority/", views.ticket_priority, name="ticket_priority"),
    path("staff/tickets/<int:pk>/<str:action>/", views.ticket_action, name="ticket_action"),
]
