"""SMS backends: a small interface, so the notice code never knows which gateway is behind it.

settings.SMS_BACKEND names the class. OutboxBackend (development and tests) keeps each message in
SmsOutbox for people and tests to read; HttpGatewayBackend posts to an HTTP gateway.
"""

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .models import SmsOutbox


class SmsError(Exception):
    """The message could not be sent now (gateway down, timeout, refused); try again later."""


class BaseSmsBackend:
    def send(self, phone, text):
        """Send `text` to the mainland mobile `phone`; raise SmsError when it could not be."""
        raise NotImplementedError


class OutboxBackend(BaseSmsBackend):
    def send(self, phone, text):
        SmsOutbox.objects.create(phone=phone, body=text)


class HttpGatewayBackend(BaseSmsBackend):
    """POSTs {"phone", "text"} as JSON to SMS_GATEWAY_URL with a bearer token."""

    def __init__(self):
        self.url = settings.SMS_GATEWAY_URL
        if not self.url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("SMS_GATEWAY_URL must be an http(s) URL")
        self.token = settings.SMS_GATEWAY_TOKEN
        self.timeout = settings.SMS_GATEWAY_TIMEOUT

    def send(self, phone, text):
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            self.url,
            data=json.dumps({"phone": phone, "text": text}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.token}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                if response.status >= 300:
                    raise SmsError(f"gateway answered {response.status}")
        except (urllib.error.URLError, TimeoutError) as exc:
            raise SmsError(str(exc)) from exc


def get_sms_backend():
    return import_string(settings.SMS_BACKEND)()
