from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("windows", views.WindowViewSet, basename="window")

urlpatterns = [
    path("districts/", views.DistrictList.as_view(), name="district-list"),
    *router.urls,
]
