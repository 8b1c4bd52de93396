from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token


class TokenUse(models.Model):
    """When an API token was last used, and for which password (issue 10).

    `auth_hash` is the user's session auth hash when the token was issued: Django changes it with
    the password, and a token whose hash no longer matches is refused, as a session would be."""

    token = models.OneToOneField(
        Token, on_delete=models.CASCADE, primary_key=True, related_name="use"
    )
    last_used = models.DateTimeField(_("last used"))
    auth_hash = models.CharField(max_length=128)

    class Meta:
        verbose_name = _("API token use")
        verbose_name_plural = _("API token uses")

    def __str__(self):
        return f"{self.token.user} {self.last_used:%Y-%m-%d %H:%M}"
