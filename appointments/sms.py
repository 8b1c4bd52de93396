"""SMS backends: a small interface, so the notice code never knows which gateway is behind it.

settings.SMS_BACKEND names the class:
- "appointments.sms.OutboxBackend" (development and tests, the default) keeps each message in
  SmsOutbox for people and tests to read;
- "appointments.sms.HttpGatewayBackend" (production) posts each message to an HTTP gateway.

A backend raises SmsError when a message could not be sent now (worth trying again later) and
SmsRejected, a kind of SmsError, when the gateway refused it for good (a bad number, a bad
request, a bad token): trying again would only be refused again.
"""

import http.client
import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .models import SmsOutbox


class SmsError(Exception):
    """The message could not be sent now (gateway down, timeout, overloaded); try again later."""


class SmsRejected(SmsError):
    """The gateway refused the message for good (4xx); sending it again cannot help."""


class BaseSmsBackend:
    def send(self, phone, text):
        """Send `text` to the mainland mobile `phone`; raise SmsError when it could not be."""
        raise NotImplementedError

    def send_message(self, phone, text, *, key):
        """Send one notice. `key` names it uniquely (Notice.key): a backend whose gateway can
        drop duplicates passes it on; the others simply send."""
        self.send(phone, text)


class OutboxBackend(BaseSmsBackend):
    def send(self, phone, text):
        SmsOutbox.objects.create(phone=phone, body=text)


# Answers that say "not now" rather than "never": the gateway timed out or is throttling us.
TRANSIENT_CLIENT_STATUSES = frozenset({408, 425, 429})


class HttpGatewayBackend(BaseSmsBackend):
    """Posts each message as JSON to an HTTP SMS gateway. Configured by the environment:

    - SMS_GATEWAY_URL: the gateway's http(s) address, e.g. https://sms.example.gov.cn/api/send;
    - SMS_GATEWAY_TOKEN: sent as `Authorization: Bearer <token>` (may be empty for a gateway that
      trusts the server's address instead);
    - SMS_GATEWAY_TIMEOUT: seconds to wait for the gateway's answer (default 5).

    Request: POST {"phone": "13812345678", "text": "..."} with the header `Idempotency-Key`
    set to the notice's key, so a gateway that honours it drops the second copy of a message
    sent again after a worker died between the gateway's answer and our commit.

    Answers: 2xx = accepted. 4xx (except 408/425/429) = refused for good → SmsRejected, the
    notice is marked failed at once. 5xx, 408, 425, 429, a refused connection, a timeout or a
    broken answer → SmsError: the task tries again with growing delays (settings
    NOTICE_RETRY_DELAY, NOTICE_RETRY_MAX_DELAY, NOTICE_MAX_ATTEMPTS).
    """

    def __init__(self):
        self.url = settings.SMS_GATEWAY_URL
        if not self.url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("SMS_GATEWAY_URL must be an http(s) URL")
        self.token = settings.SMS_GATEWAY_TOKEN
        self.timeout = settings.SMS_GATEWAY_TIMEOUT

    def send(self, phone, text):
        self._post({"phone": phone, "text": text}, {})

    def send_message(self, phone, text, *, key):
        self._post({"phone": phone, "text": text}, {"Idempotency-Key": key})

    def _post(self, payload, extra_headers):
        headers = {"Content-Type": "application/json", **extra_headers}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            self.url, data=json.dumps(payload).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as exc:  # urlopen raises it for every status >= 400
            raise _refusal(exc.code) from exc
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            # Refused or reset connection, DNS failure, timeout (TimeoutError is an OSError),
            # a connection closed before the answer.
            raise SmsError(f"gateway unreachable: {exc}") from exc


def _refusal(status):
    if 400 <= status < 500 and status not in TRANSIENT_CLIENT_STATUSES:
        return SmsRejected(f"gateway refused the message ({status})")
    return SmsError(f"gateway answered {status}")


def get_sms_backend():
    return import_string(settings.SMS_BACKEND)()
