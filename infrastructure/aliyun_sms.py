"""Alibaba Cloud SMS (阿里云短信服务): the ``SendSms`` call of its RPC API, version 2017-05-25.

A message goes out as one signed GET to the endpoint (``dysmsapi.aliyuncs.com``)
with the common parameters (``AccessKeyId``, ``Action``, ``Format``,
``RegionId``, ``SignatureMethod`` HMAC-SHA1, ``SignatureNonce``,
``SignatureVersion`` 1.0, ``Timestamp`` ISO 8601 in UTC, ``Version``) and the
call's own (``PhoneNumbers``, ``SignName``, ``TemplateCode``,
``TemplateParam`` as JSON). The provider sends only text it approved in
advance: a message names one of the deployment's approved templates and fills
its variables, so each kind of message (:class:`~infrastructure.sms.SmsMessage`)
maps to a template code in the settings.

The signature is the provider's RPC signature, version 1.0: the parameters
sorted by name, each name and value percent-encoded (RFC 3986: only
``A-Z a-z 0-9 - _ . ~`` stay as they are, a space is ``%20``), joined with
``&`` and ``=`` into the canonical query; the string to sign is ``GET&%2F&``
and that query encoded once more; the signature is the base64 HMAC-SHA1 of it
under the AccessKey secret followed by ``&``.

The answer is JSON ``{"Code", "Message", "BizId", "RequestId"}``; ``Code``
``OK`` is success. Throttling and the provider's own failures are worth
another try later (:class:`SmsDeferred`); anything else (a number it will not
send to, a template or signature it does not know, a key it refuses) is final
(:class:`SmsRefused`): another try would be refused the same way. Neither the
secret nor the signature is ever logged, and a phone number only masked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from domain.identity.masking import mask_phone
from infrastructure.settings import Settings
from infrastructure.sms import SmsDeferred, SmsMessage, SmsRefused

log = logging.getLogger(__name__)

ENDPOINT = "https://dysmsapi.aliyuncs.com"
API_VERSION = "2017-05-25"

# Codes after which the same message may go through later: rate limits and the
# provider's own trouble. Every other code is final for this message.
_TRANSIENT = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",
        "Throttling",
        "Throttling.User",
        "ServiceUnavailable",
        "InternalError",
        "isp.SYSTEM_ERROR",
    }
)


def percent_encode(text: str) -> str:
    """RFC 3986 percent-encoding, as the provider's signature wants it."""
    return quote(text, safe="~")


def string_to_sign(params: Mapping[str, str], method: str = "GET") -> str:
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items())
    )
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"


def signature(params: Mapping[str, str], secret: str, method: str = "GET") -> str:
    """The ``Signature`` parameter for ``params`` (which must not hold it)."""
    digest = hmac.new(
        f"{secret}&".encode(), string_to_sign(params, method).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


def mainland_number(phone: str) -> str:
    """The number as the provider takes a mainland one: 11 digits, no +86."""
    digits = phone.replace(" ", "").replace("-", "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix) :]
    return digits


class AliyunSms:
    """An :class:`~infrastructure.sms.SmsSender` through Alibaba Cloud's ``SendSms``."""

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: Mapping[str, str],
        endpoint: str = ENDPOINT,
        region: str = "cn-hangzhou",
        timeout: float = 10.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        nonce: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self._key_id = access_key_id
        self._secret = access_key_secret
        self._sign_name = sign_name
        self._templates = dict(templates)
        self._endpoint = endpoint.rstrip("/") + "/"
        self._region = region
        self._client = httpx.Client(timeout=timeout)
        self._clock = clock
        self._nonce = nonce

    @classmethod
    def from_settings(cls, settings: Settings) -> AliyunSms:
        """The gateway ``ESTATELOG_SMS_ALIYUN_*`` describe (complete: Settings checks)."""
        secret = settings.sms_aliyun_access_key_secret
        return cls(
            access_key_id=settings.sms_aliyun_access_key_id or "",
            access_key_secret=secret.get_secret_value() if secret else "",
            sign_name=settings.sms_aliyun_sign_name or "",
            templates={
                "login_code": settings.sms_aliyun_template_login_code or "",
                "notice": settings.sms_aliyun_template_notice or "",
            },
            endpoint=settings.sms_aliyun_endpoint,
            region=settings.sms_aliyun_region,
        )

    def send(self, phone: str, message: SmsMessage) -> None:
        template = self._templates.get(message.kind)
        if not template:
            raise SmsRefused(f"no template is configured for {message.kind} messages")
        params = self.signed(
            {
                "Action": "SendSms",
                "PhoneNumbers": mainland_number(phone),
                "SignName": self._sign_name,
                "TemplateCode": template,
                "TemplateParam": json.dumps(dict(message.params), ensure_ascii=False),
            }
        )
        try:
            answer = self._client.get(self._endpoint, params=params)
        except httpx.HTTPError as exc:  # unreachable, timed out: try again later
            raise SmsDeferred(f"the SMS gateway did not answer: {type(exc).__name__}") from None
        try:
            body = answer.json()
            code = str(body.get("Code", ""))
        except (ValueError, AttributeError):
            raise SmsDeferred(f"the SMS gateway answered HTTP {answer.status_code}") from None
        if code == "OK":
            log.info("SMS to %s accepted by the gateway (%s)", mask_phone(phone), message.kind)
            return
        detail = f"the SMS gateway refused: {code} {str(body.get('Message', ''))[:200]}"
        if code in _TRANSIENT or answer.status_code >= 500:
            raise SmsDeferred(detail)
        raise SmsRefused(detail)

    def signed(self, params: Mapping[str, str]) -> dict[str, str]:
        """``params`` with the common parameters and their ``Signature``."""
        full = {
            "AccessKeyId": self._key_id,
            "Format": "JSON",
            "RegionId": self._region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self._nonce(),
            "SignatureVersion": "1.0",
            "Timestamp": self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            **params,
        }
        full["Signature"] = signature(full, self._secret)
        return full

    def close(self) -> None:
        self._client.close()
