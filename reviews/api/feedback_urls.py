from django.urls import path

from . import feedback_views

urlpatterns = [
    path("reviews/", feedback_views.RatingCreateView.as_view(), name="reviews-rate"),
    path(
        "rectifications/",
        feedback_views.RectificationListView.as_view(),
        name="reviews-rectification-list",
    ),
    path("complaints/", feedback_views.ComplaintListView.as_view(), name="reviews-complaint-list"),
]
