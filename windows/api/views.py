from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, viewsets
from rest_framework.response import Response

from ipservice.api import bad_request

from ..models import District
from ..views import get_public_point, public_points
from .serializers import DistrictSerializer, ServicePointSerializer, WindowQuerySerializer


class DistrictList(generics.ListAPIView):
    """Shanghai's 16 districts (GB/T 2260 codes)."""

    queryset = District.objects.all()
    serializer_class = DistrictSerializer
    pagination_class = None
    filter_backends = []


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "district",
                OpenApiTypes.STR,
                description="District code (GB/T 2260), e.g. 310104; unknown codes give 400.",
            ),
            OpenApiParameter(
                "item",
                OpenApiTypes.STR,
                description="Service item code; only points offering it. Unknown codes give 400.",
            ),
        ],
        responses={
            200: ServicePointSerializer(many=True),
            400: OpenApiResponse(
                description='Unknown district or item code: {"code": "invalid", "message", '
                '"errors": {"district" or "item": [...]}}.'
            ),
        },
    )
)
class WindowViewSet(viewsets.ReadOnlyModelViewSet):
    """Active service points with their opening hours and the item codes they offer."""

    serializer_class = ServicePointSerializer
    pagination_class = None
    filter_backends = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return public_points()

    def get_object(self):
        return get_public_point(self.kwargs["pk"])

    def list(self, request, *args, **kwargs):
        query = WindowQuerySerializer(data=request.query_params)
        if not query.is_valid():
            first = next(iter(query.errors.values()))[0]
            return bad_request(first, errors=query.errors)
        points = self.get_queryset()
        if query.validated_data.get("district"):
            points = points.filter(district__code=query.validated_data["district"])
        if query.validated_data.get("item"):
            points = points.filter(items__code=query.validated_data["item"])
        return Response(self.get_serializer(points, many=True).data)
