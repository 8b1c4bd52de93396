from django.urls import path

from . import stats, stats_export

urlpatterns = [
    path("bureau/stats/", stats.dashboard, name="dashboard"),
    path("bureau/stats/export/", stats_export.dashboard_export, name="dashboard_export"),
]
