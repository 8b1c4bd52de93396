from django.urls import path

from .stats_views import StatsView

urlpatterns = [
    path("stats/", StatsView.as_view(), name="api-stats"),
]
