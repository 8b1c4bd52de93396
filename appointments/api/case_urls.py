from django.urls import path

from .case_views import CaseActionView, CaseDetailView, CaseListView

urlpatterns = [
    path("cases/", CaseListView.as_view(), name="api-case-list"),
    path("cases/<int:pk>/", CaseDetailView.as_view(), name="api-case-detail"),
    path("cases/<int:pk>/<str:action>/", CaseActionView.as_view(), name="api-case-action"),
]
