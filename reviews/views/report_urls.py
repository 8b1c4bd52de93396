"""Pages of the annual report (namespace `reviews`), bureau staff only."""

from django.urls import path

from . import report

urlpatterns = [
    path("bureau/reports/", report.report_list, name="report_list"),
    path("bureau/reports/<int:pk>/retry/", report.report_retry, name="report_retry"),
    path("bureau/reports/<int:pk>/download/", report.report_download, name="report_download"),
]
