from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("apply/status/<str:reference>/", views.status, name="status"),
    path(
        "apply/status/<str:reference>/files/<int:material_id>/",
        views.status_file,
        name="status_file",
    ),
    path("apply/<slug:code>/", views.apply, name="apply"),
    path("staff/applications/", views.staff_list, name="staff_list"),
    path("staff/applications/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/applications/<int:pk>/<str:action>/", views.staff_action, name="staff_action"),
]
