from django.urls import path

from . import views

app_name = "windows"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("network/", views.network, name="network"),
    path("<int:pk>/", views.detail, name="detail"),
]
