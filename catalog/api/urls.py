from rest_framework.routers import SimpleRouter

from .views import ServiceItemViewSet

# SimpleRouter: no API root view that would shadow another app's under /api/v1/.
router = SimpleRouter()
router.register("items", ServiceItemViewSet, basename="item")

urlpatterns = router.urls
