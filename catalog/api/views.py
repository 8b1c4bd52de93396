from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.response import Response

from ipservice.api import bad_request

from ..constants import IPType
from ..forms import CatalogFilterForm
from ..models import ServiceItem
from .serializers import ServiceItemSerializer

LIST_PARAMETERS = [
    OpenApiParameter(
        "q", OpenApiTypes.STR, description="Keyword in the Chinese or English name or the guide."
    ),
    OpenApiParameter("category", OpenApiTypes.STR, description="Category code, e.g. `apply`."),
    OpenApiParameter("ip_type", OpenApiTypes.STR, enum=IPType.values, description="IP type."),
    OpenApiParameter(
        "district",
        OpenApiTypes.STR,
        description="GB/T 2260 district code, e.g. `310104`: items offered by an active window "
        "in that district.",
    ),
]
ERROR_RESPONSE = OpenApiResponse(description='`{"code", "message", "errors"}`')


class ServiceItemViewSet(viewsets.ReadOnlyModelViewSet):
    """The published service catalog (inactive items are not public)."""

    serializer_class = ServiceItemSerializer
    lookup_field = "code"
    lookup_value_regex = r"[-\w]+"
    # The catalog is small reference data: one plain array, no pages.
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        # Queries: items with category, materials, active windows: three whatever the count.
        return ServiceItem.objects.published().with_details()

    @extend_schema(
        parameters=LIST_PARAMETERS,
        responses={200: ServiceItemSerializer(many=True), 400: ERROR_RESPONSE},
    )
    def list(self, request, *args, **kwargs):
        form = CatalogFilterForm(request.query_params)
        if not form.is_valid():
            errors = {field: [str(m) for m in messages] for field, messages in form.errors.items()}
            return bad_request(form.error_list()[0], errors=errors)
        items = form.filter(self.get_queryset())
        return Response(self.get_serializer(items, many=True).data)

    @extend_schema(responses={200: ServiceItemSerializer, 404: ERROR_RESPONSE})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)
