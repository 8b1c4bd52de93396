"""POST /api/v1/phone-codes/ (docs/architecture.md, "The HTTP contract"): send a 6-digit code by SMS
to a mobile number, which a booking (`phone_code`) or a report then carries. Anonymous, JSON only,
limited per client address (PHONE_CODE_RATE_LIMIT) and per number (the outbox's SMS allowance)."""

from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from ipservice.api import PublicView, form_errors

from .. import phone_codes
from ..forms import PhoneCodeRequestForm
from ..masking import mask_phone
from ..outbox import SmsLimitReached
from ..views.phone_code import RATE_GROUP
from .booking_views import LOOKUP_LIMITED, RateLimited, enforce_rate


class PhoneCodeRequestSerializer(serializers.Serializer):
    """Documents the request; PhoneCodeRequestForm validates it."""

    phone = serializers.CharField(max_length=20, help_text=_("Mainland mobile number."))
    purpose = serializers.ChoiceField(
        choices=phone_codes.Purpose.choices, required=False, help_text=_("Default: booking.")
    )


class PhoneCodeSentSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text=_("Masked."))
    purpose = serializers.CharField()
    expires_in = serializers.IntegerField(help_text=_("Seconds the code is valid."))


class SmsLimited(RateLimited):
    default_code = SmsLimitReached.code
    default_detail = SmsLimitReached.message
    wait = 3600


class PhoneCodeView(PublicView):
    @extend_schema(
        request=PhoneCodeRequestSerializer,
        # 429: too many requests from this address, or too many SMS to this number
        responses={202: PhoneCodeSentSerializer, **LOOKUP_LIMITED},
    )
    def post(self, request):
        enforce_rate(request, RATE_GROUP, settings.PHONE_CODE_RATE_LIMIT)
        if not isinstance(request.data, Mapping):
            raise exceptions.ValidationError(_("The request body must be a JSON object."))
        form = PhoneCodeRequestForm(data=request.data)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        phone, purpose = form.cleaned_data["phone"], form.cleaned_data["purpose"]
        try:
            phone_codes.send_code(phone, purpose)
        except SmsLimitReached as exc:
            raise SmsLimited() from exc
        data = {
            "phone": mask_phone(phone),
            "purpose": purpose,
            "expires_in": phone_codes.CODE_MINUTES * 60,
        }
        return Response(data, status=status.HTTP_202_ACCEPTED)
