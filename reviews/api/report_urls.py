from django.urls import path

from . import report_views

urlpatterns = [
    path(
        "reports/annual/",
        report_views.AnnualReportCreateView.as_view(),
        name="api-report-annual",
    ),
    path("reports/<int:pk>/", report_views.ReportDetailView.as_view(), name="api-report-detail"),
    path(
        "reports/<int:pk>/download/",
        report_views.ReportDownloadView.as_view(),
        name="api-report-download",
    ),
    path(
        "reports/<int:pk>/retry/",
        report_views.ReportRetryView.as_view(),
        name="api-report-retry",
    ),
]
