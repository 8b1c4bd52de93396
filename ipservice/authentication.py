"""API tokens (issue 10) that expire when idle and stop working when the password changes or
the account is deactivated. Kept apart from the views: DRF imports this module from its settings.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from .models import TokenUse

# A token's last use is written at most this often: not one UPDATE per request.
LAST_USE_RESOLUTION = dt.timedelta(minutes=1)


def token_is_stale(token, use, now):
    """Idle longer than API_TOKEN_IDLE_MINUTES, or issued before the password last changed."""
    idle = dt.timedelta(minutes=settings.API_TOKEN_IDLE_MINUTES)
    current = token.user.get_session_auth_hash()
    return now - use.last_used > idle or not constant_time_compare(use.auth_hash, current)


def token_use(token):
    """The token's use row; a token made another way (the admin, a script) counts from its
    creation."""
    use, _created = TokenUse.objects.get_or_create(
        token=token,
        defaults={"last_used": token.created, "auth_hash": token.user.get_session_auth_hash()},
    )
    return use


def issue_token(user):
    """The user's token, a new one if the old one is stale."""
    now = timezone.now()
    token = Token.objects.select_related("user").filter(user=user).first()
    if token is not None and token_is_stale(token, token_use(token), now):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
    TokenUse.objects.update_or_create(
        token=token, defaults={"last_used": now, "auth_hash": user.get_session_auth_hash()}
    )
    return token


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication; a stale token (see token_is_stale) is deleted and refused."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        now = timezone.now()
        use = token_use(token)
        if token_is_stale(token, use, now):
            token.delete()
            raise exceptions.AuthenticationFailed(
                _("The token has expired. Ask for a new one."), code="token_expired"
            )
        if now - use.last_used >= LAST_USE_RESOLUTION:
            TokenUse.objects.filter(pk=use.pk).update(last_used=now)
        return user, token
