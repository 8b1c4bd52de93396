from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.item_list, name="list"),
    path("<slug:code>/", views.item_detail, name="detail"),
    path("<slug:code>/checklist/", views.item_checklist, name="checklist"),
]
