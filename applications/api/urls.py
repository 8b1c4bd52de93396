from django.urls import path

from . import views

urlpatterns = [
    path("applications/", views.ApplicationListView.as_view(), name="api-application-list"),
    path(
        "applications/<int:pk>/files/<int:material_id>/",
        views.FileView.as_view(),
        name="api-application-file",
    ),
    path("applications/<int:pk>/", views.StaffDetailView.as_view(), name="api-application-staff"),
    path(
        "applications/<int:pk>/<str:action>/",
        views.ActionView.as_view(),
        name="api-application-action",
    ),
    path(
        "applications/<str:reference>/corrections/",
        views.CorrectionsView.as_view(),
        name="api-application-corrections",
    ),
    path(
        "applications/<str:reference>/",
        views.ApplicationStatusView.as_view(),
        name="api-application-status",
    ),
]
