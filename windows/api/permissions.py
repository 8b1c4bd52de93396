"""Who may call an API endpoint, by the staff member's place in the window network."""

from rest_framework.permissions import BasePermission

from ..models import is_bureau


class IsBureau(BasePermission):
    """Bureau staff only; anyone else gets 403 (the same answer as windows.models.require_bureau
    gives on the pages)."""

    def has_permission(self, request, view):
        return is_bureau(request.user)
