"""The "send code" button of the pages that need a verified phone (booking details, complaint).

Without JavaScript it is a submit button of the page's own form (name SEND_CODE): the view sends
the code and shows the form again with what was typed. With JavaScript, static
appointments/phone-code.js posts the number to POST /api/v1/phone-codes/ instead and stays on
the page. Both count against the same limit per client address (PHONE_CODE_RATE_LIMIT)."""

from django.conf import settings
from django.utils.translation import gettext as _
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

from .. import phone_codes
from ..forms import PhoneCodeRequestForm
from ..masking import mask_phone
from ..outbox import SmsLimitReached

SEND_CODE = "send_code"
RATE_GROUP = "phone-code"  # the API's group too (api.phone_code_views)


def wants_code(request):
    return request.method == "POST" and SEND_CODE in request.POST


def send_code_from_page(request, purpose):
    """Send a code to the phone typed in the page's form: (True, message) when sent,
    (False, message) when refused."""
    if is_ratelimited(
        request,
        group=RATE_GROUP,
        key="ip",
        rate=settings.PHONE_CODE_RATE_LIMIT,
        method=ALL,
        increment=True,
    ):
        return False, _("Too many codes asked for from your address. Please wait a minute.")
    form = PhoneCodeRequestForm(data={"phone": request.POST.get("phone", ""), "purpose": purpose})
    if not form.is_valid():
        return False, form.errors["phone"][0]
    phone = form.cleaned_data["phone"]
    try:
        phone_codes.send_code(phone, purpose)
    except SmsLimitReached as refusal:
        return False, str(refusal.message)
    message = _("A 6-digit code has been sent to %(phone)s. It is valid for %(minutes)s minutes.")
    return True, message % {"phone": mask_phone(phone), "minutes": phone_codes.CODE_MINUTES}
