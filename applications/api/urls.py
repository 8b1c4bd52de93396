from django.urls import path

from . import views

urlpatterns = [
    path("applications/", views.ApplicationListView.as_view(), name="api-application-list"),
    path(
        "applications/<int:pk>/files/<int:material_id>/",
        views.FileView.as_view(),
        name="api-application-file",
    ),
    # Before the staff actions: "corrections" is the applicant's, whatever stands before it.
    path(
        "applications/<str:reference>/corrections/",
        views.CorrectionsView.as_view(),
        name="api-application-corrections",
    ),
    path(
        "applications/<int:pk>/<str:action>/",
        views.ActionView.as_view(),
        name="api-application-action",
    ),
    path(
        "applications/<str:reference>/",
        views.ApplicationDetailView.as_view(),
        name="api-application-detail",
    ),
]
