from .models import is_bureau


def staff(request):
    """Whether the visitor is bureau staff, for the staff menu and the pages' wording."""
    return {"user_is_bureau": is_bureau(request.user) if hasattr(request, "user") else False}
