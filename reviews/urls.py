from django.urls import include, path

app_name = "reviews"

urlpatterns = [
    path("", include("reviews.views.feedback_urls")),
    path("", include("reviews.views.stats_urls")),
    path("", include("reviews.views.report_urls")),
]
