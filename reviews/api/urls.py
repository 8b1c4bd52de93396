from django.urls import include, path

urlpatterns = [
    path("", include("reviews.api.feedback_urls")),
    path("", include("reviews.api.stats_urls")),
    path("", include("reviews.api.report_urls")),
]
