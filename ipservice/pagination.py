"""The API's pagination (REST_FRAMEWORK's DEFAULT_PAGINATION_CLASS): a bounded page size."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """`?limit=` and `?offset=` are whole numbers, the limit at most API_MAX_PAGE_SIZE; anything
    else is a 400 that says so (DRF would quietly use its default, or a number the database
    cannot hold)."""

    default_limit = settings.REST_FRAMEWORK["PAGE_SIZE"]
    max_limit = settings.API_MAX_PAGE_SIZE
    # Far past any list this portal has; a bigger one is a mistake or a probe.
    max_offset = 10**9

    def get_limit(self, request):
        return self._number(request, self.limit_query_param, 1, self.max_limit, self.default_limit)

    def get_offset(self, request):
        return self._number(request, self.offset_query_param, 0, self.max_offset, 0)

    def _number(self, request, name, lowest, highest, default):
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not lowest <= value <= highest:
            message = _("%(name)s must be a whole number from %(low)s to %(high)s.") % {
                "name": name,
                "low": lowest,
                "high": highest,
            }
            raise exceptions.ValidationError({name: [message]})
        return value
