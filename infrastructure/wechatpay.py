"""WeChat Pay API v3 (微信支付 APIv3): verify a payment notification, open an order locally.

A notification (支付通知) is a POST whose JSON body is::

    {"id", "create_time", "event_type": "TRANSACTION.SUCCESS",
     "resource_type": "encrypt-resource", "summary",
     "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                  "ciphertext", "associated_data", "nonce"}}

with the headers ``Wechatpay-Timestamp``, ``Wechatpay-Nonce``,
``Wechatpay-Signature`` (base64 SHA256-with-RSA, PKCS#1 v1.5, over
``timestamp\\nnonce\\nbody\\n`` with the platform's private key),
``Wechatpay-Serial`` (which platform key) and ``Wechatpay-Signature-Type``
(``WECHATPAY2-SHA256-RSA2048``). The resource decrypts with the merchant's
APIv3 key (AES-256-GCM; the nonce and associated data as given, the
ciphertext base64 with its 16-byte tag at the end) to the transaction:
``appid, mchid, out_trade_no, transaction_id, trade_type, trade_state,
success_time, payer.openid, amount.{total, payer_total, currency}``.

Checked in this order, each refusal a :class:`NotificationRefused`: the
signed headers are there; the timestamp is within the tolerance of now
(a replayed old notification fails here, since its signature covers the
timestamp); the serial names a configured platform key and the signature
verifies over the exact body bytes; the body is a successful transaction
notification; it decrypts; its merchant and app are ours. Nothing here
logs or returns a key, the signature or the ciphertext.

This service never connects to the provider: :meth:`WechatPayV3.prepay`
is the local adapter of the JSAPI order call, and returns a prepay ID the
owner's app would pass to the WeChat client (decision 0027).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.finance.online.ports import (
    BadNotification,
    BadSignature,
    MerchantMismatch,
    Prepay,
    ProviderTransaction,
)
from infrastructure.settings import Settings

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
HEADERS = ("wechatpay-timestamp", "wechatpay-nonce", "wechatpay-signature", "wechatpay-serial")


def platform_key(pem: str) -> rsa.RSAPublicKey:
    """A platform public key from its PEM (``-----BEGIN PUBLIC KEY-----``)."""
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("a WeChat Pay platform key is an RSA public key")
    return key


class WechatPayV3:
    """The merchant's view of WeChat Pay API v3, from its configuration."""

    name = "wechatpay"
    configured = True

    def __init__(
        self,
        *,
        mchid: str,
        appid: str,
        apiv3_key: bytes,
        platform_keys: Mapping[str, rsa.RSAPublicKey],
        tolerance_seconds: int = 300,
    ) -> None:
        if len(apiv3_key) != 32:
            raise ValueError("the APIv3 key is 32 bytes")
        self.mchid, self.appid = mchid, appid
        self._aead = AESGCM(apiv3_key)
        self._keys = dict(platform_keys)
        self.tolerance = tolerance_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> WechatPayV3 | None:
        """The configured merchant, or None when any part is missing."""
        key = settings.wechatpay_apiv3_key
        if not (settings.wechatpay_mchid and settings.wechatpay_appid and key):
            return None
        if not settings.wechatpay_platform_keys:
            return None
        return cls(
            mchid=settings.wechatpay_mchid,
            appid=settings.wechatpay_appid,
            apiv3_key=key.get_secret_value().encode(),
            platform_keys={
                serial: platform_key(pem)
                for serial, pem in settings.wechatpay_platform_keys.items()
            },
            tolerance_seconds=settings.wechatpay_tolerance_seconds,
        )

    # ---- the notification ----------------------------------------------------------------

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> ProviderTransaction:
        signed = {k.lower(): v for k, v in headers.items()}
        missing = [h for h in HEADERS if not signed.get(h)]
        if missing:
            raise BadSignature(f"headers missing: {', '.join(missing)}")
        kind = signed.get("wechatpay-signature-type", SIGNATURE_TYPE)
        if kind != SIGNATURE_TYPE:
            raise BadSignature(f"signature type {kind[:40]!r} is not {SIGNATURE_TYPE}")
        timestamp = signed["wechatpay-timestamp"]
        if not timestamp.isdigit() or len(timestamp) > 12:
            raise BadSignature("Wechatpay-Timestamp: seconds since the epoch")
        skew = abs(now.timestamp() - int(timestamp))
        if skew > self.tolerance:
            raise BadSignature(
                f"Wechatpay-Timestamp is {int(skew)} s from now; at most {self.tolerance} s"
            )
        key = self._keys.get(signed["wechatpay-serial"])
        if key is None:
            raise BadSignature(
                f"Wechatpay-Serial {signed['wechatpay-serial'][:64]!r} is not a configured key"
            )
        message = b"%s\n%s\n%s\n" % (timestamp.encode(), signed["wechatpay-nonce"].encode(), body)
        try:
            signature = base64.b64decode(signed["wechatpay-signature"], validate=True)
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, binascii.Error, ValueError):
            raise BadSignature("the signature does not verify over this body") from None
        envelope = _json(body, "the body")
        return self._transaction(envelope)

    def _transaction(self, envelope: Any) -> ProviderTransaction:
        if not isinstance(envelope, dict) or envelope.get("event_type") != "TRANSACTION.SUCCESS":
            raise BadNotification("event_type: only TRANSACTION.SUCCESS records a payment")
        resource = envelope.get("resource")
        if (
            envelope.get("resource_type") != "encrypt-resource"
            or not isinstance(resource, dict)
            or resource.get("algorithm") != "AEAD_AES_256_GCM"
            or resource.get("original_type") != "transaction"
        ):
            raise BadNotification("resource: an AEAD_AES_256_GCM encrypted transaction")
        try:
            plain = self._aead.decrypt(
                str(resource.get("nonce", "")).encode(),
                base64.b64decode(str(resource.get("ciphertext", "")), validate=True),
                str(resource.get("associated_data", "")).encode(),
            )
        except (InvalidTag, binascii.Error, ValueError):
            raise BadNotification("resource: does not decrypt with the APIv3 key") from None
        paid = _json(plain, "the resource")
        try:
            if paid["mchid"] != self.mchid or paid["appid"] != self.appid:
                raise MerchantMismatch("mchid/appid: not this service's merchant and app")
            if paid["trade_state"] != "SUCCESS":
                raise BadNotification(f"trade_state: {str(paid['trade_state'])[:20]}, not SUCCESS")
            amount = paid["amount"]
            total, payer_total = amount["total"], amount.get("payer_total", amount["total"])
            if type(total) is not int or type(payer_total) is not int or total <= 0:
                raise BadNotification("amount.total: a positive whole number of fen")
            return ProviderTransaction(
                notification_id=str(envelope.get("id", ""))[:64],
                out_trade_no=_text(paid["out_trade_no"], 32),
                transaction_id=_text(paid["transaction_id"], 32),
                trade_type=_text(paid.get("trade_type", ""), 16),
                success_time=datetime.fromisoformat(paid["success_time"]),
                payer_openid=_text(paid.get("payer", {}).get("openid", ""), 128),
                total=total,
                payer_total=payer_total,
                currency=_text(amount.get("currency", "CNY"), 3),
            )
        except (KeyError, TypeError, AttributeError, ValueError) as error:
            if isinstance(error, BadNotification | MerchantMismatch):
                raise
            raise BadNotification("resource: not a transaction in the documented format") from None

    # ---- the local adapter of the order call ---------------------------------------------

    def prepay(
        self, out_trade_no: str, total: int, description: str, expires_at: datetime
    ) -> Prepay:
        """A local prepay ID for the order and the JSAPI fields the client needs
        (no connection to the provider; the client-side ``paySign`` needs the
        merchant's private key, which this service does not hold)."""
        digest = hashlib.sha256(f"{self.mchid}:{out_trade_no}:{total}".encode()).hexdigest()
        prepay_id = f"wx{digest[:30]}"
        client = {
            "appId": self.appid,
            "timeStamp": str(int(expires_at.timestamp())),
            "nonceStr": digest[30:62],
            "package": f"prepay_id={prepay_id}",
            "signType": "RSA",
        }
        return Prepay(prepay_id=prepay_id, client=client)


def _json(raw: bytes, what: str) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadNotification(f"{what}: not JSON") from None


def _text(value: Any, most: int) -> str:
    if not isinstance(value, str) or not value or len(value) > most:
        raise BadNotification(f"a text field of at most {most} characters")
    return value
