from django.urls import path

from . import stats

urlpatterns = [
    path("bureau/stats/", stats.dashboard, name="dashboard"),
]
