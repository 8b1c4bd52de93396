"""The home page at the site root, under its project-wide name "home" (no namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
]
