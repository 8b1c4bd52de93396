from django.urls import path

from . import views

urlpatterns = [
    path("windows/<int:pk>/tickets/", views.TicketIssueView.as_view(), name="api-ticket-issue"),
    path("windows/<int:pk>/queue/", views.QueueView.as_view(), name="api-queue"),
    path("windows/<int:pk>/counters/", views.CounterListView.as_view(), name="api-counters"),
    path("tickets/<int:pk>/", views.TicketStateView.as_view(), name="api-ticket"),
    path("tickets/<int:pk>/cancel/", views.TicketCancelView.as_view(), name="api-ticket-cancel"),
    path(
        "tickets/<int:pk>/<str:action>/", views.TicketActionView.as_view(), name="api-ticket-action"
    ),
    path(
        "counters/<int:pk>/<str:action>/",
        views.CounterActionView.as_view(),
        name="api-counter-action",
    ),
]
