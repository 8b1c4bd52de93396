from django.urls import path

from . import workbench

urlpatterns = [
    path("staff/", workbench.workbench, name="workbench"),
    path("staff/check-in/", workbench.check_in_lookup, name="check_in_lookup"),
    path("staff/cases/", workbench.case_list, name="case_list"),
    path("staff/cases/new/", workbench.walk_in, name="walk_in"),
    path("staff/cases/<int:pk>/", workbench.case_detail, name="case_detail"),
    path("staff/cases/<int:pk>/<str:action>/", workbench.case_action, name="case_action"),
]
