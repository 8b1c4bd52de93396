"""Pages of ratings, rectifications, appeals and complaints (namespace `reviews`)."""

from django.urls import path

from . import complaints, pad, ratings, rectifications

urlpatterns = [
    # The person served: the private rating link, and complaints (办不成事反映).
    path("rate/<str:reference>/", ratings.rate, name="rate"),
    # The rating pad of a counter (issue 13): signed in as the counter's device.
    path("counters/<int:pk>/pad/", pad.pad, name="pad"),
    path("complaints/new/", complaints.complaint_new, name="complaint_new"),
    path("complaints/received/", complaints.complaint_received, name="complaint_received"),
    path("complaints/lookup/", complaints.complaint_lookup, name="complaint_lookup"),
    # Staff.
    path("reviews/cases/<int:case_pk>/rate/", ratings.staff_rate, name="staff_rate"),
    path("reviews/ratings/", ratings.rating_list, name="rating_list"),
    path("reviews/ratings/<int:pk>/", ratings.rating_detail, name="rating_detail"),
    path("reviews/ratings/<int:pk>/appeal/", ratings.appeal_file, name="appeal_file"),
    path("reviews/ratings/<int:pk>/appeal/decide/", ratings.appeal_decide, name="appeal_decide"),
    path("reviews/appeals/", ratings.appeal_list, name="appeal_list"),
    path("reviews/rectifications/", rectifications.rectification_list, name="rectification_list"),
    path(
        "reviews/rectifications/ledger.xlsx",
        rectifications.rectification_ledger,
        name="rectification_ledger",
    ),
    path(
        "reviews/rectifications/<int:pk>/",
        rectifications.rectification_detail,
        name="rectification_detail",
    ),
    path(
        "reviews/rectifications/<int:pk>/steps/<str:kind>/",
        rectifications.rectification_step,
        name="rectification_step",
    ),
    path("reviews/complaints/", complaints.complaint_list, name="complaint_list"),
    path("reviews/complaints/<int:pk>/", complaints.complaint_detail, name="complaint_detail"),
    path("reviews/complaints/<int:pk>/step/", complaints.complaint_step, name="complaint_step"),
    path("reviews/complaints/<int:pk>/link/", complaints.complaint_link, name="complaint_link"),
    path("reviews/complaints/<int:pk>/close/", complaints.complaint_close, name="complaint_close"),
]
