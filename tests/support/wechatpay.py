"""A local WeChat Pay: keys made in the test, notifications built exactly as API v3 sends them.

The fake holds what the real provider holds: the platform's RSA private key
(the service is configured with its public key, by serial) and the
merchant's APIv3 key (shared with the service). :meth:`notification` builds
the POST of a ``TRANSACTION.SUCCESS``: the resource encrypted with
AES-256-GCM under the APIv3 key, the headers signed over
``timestamp\\nnonce\\nbody\\n`` with SHA256-with-RSA (PKCS#1 v1.5), as the
WeChat Pay API v3 documentation of 支付通知 and 签名验证 describes.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MCHID = "1900000109"
APPID = "wxd678efh567hg6787"
SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Notification:
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeWechatPay:
    """The provider's side of one merchant, with keys made for this test."""

    mchid: str = MCHID
    appid: str = APPID
    serial: str = SERIAL
    apiv3_key: str = field(default_factory=lambda: secrets.token_hex(16))  # 32 characters
    platform: rsa.RSAPrivateKey = field(default_factory=_key)

    @property
    def public_pem(self) -> str:
        return (
            self.platform.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def settings(self) -> dict[str, Any]:
        """The service's configuration for this merchant (``Settings`` fields)."""
        return {
            "wechatpay_mchid": self.mchid,
            "wechatpay_appid": self.appid,
            "wechatpay_apiv3_key": self.apiv3_key,
            "wechatpay_platform_keys": {self.serial: self.public_pem},
        }

    def transaction(
        self,
        out_trade_no: str,
        total: int,
        *,
        transaction_id: str | None = None,
        success_time: datetime | None = None,
        **changes: Any,
    ) -> dict[str, Any]:
        """The decrypted resource of a successful JSAPI payment."""
        paid = {
            "appid": self.appid,
            "mchid": self.mchid,
            "out_trade_no": out_trade_no,
            "transaction_id": transaction_id or f"4200{secrets.randbelow(10**24):024d}",
            "trade_type": "JSAPI",
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "bank_type": "CMC",
            "attach": "",
            "success_time": (success_time or datetime.now(UTC)).isoformat(timespec="seconds"),
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {
                "total": total,
                "payer_total": total,
                "currency": "CNY",
                "payer_currency": "CNY",
            },
        }
        paid.update(changes)
        return paid

    def encrypt(self, resource: dict[str, Any], *, key: str | None = None) -> dict[str, str]:
        nonce = secrets.token_hex(6)  # 12 characters, as the provider sends
        associated = "transaction"
        ciphertext = AESGCM((key or self.apiv3_key).encode()).encrypt(
            nonce.encode(), json.dumps(resource, ensure_ascii=False).encode(), associated.encode()
        )
        return {
            "original_type": "transaction",
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": base64.b64encode(ciphertext).decode(),
            "associated_data": associated,
            "nonce": nonce,
        }

    def envelope(self, paid: dict[str, Any], /, **changes: Any) -> dict[str, Any]:
        body = {
            "id": f"EV-{secrets.token_hex(8)}",
            "create_time": datetime.now(UTC).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": self.encrypt(paid),
        }
        body.update(changes)
        return body

    def sign(
        self,
        body: bytes,
        at: datetime,
        *,
        key: rsa.RSAPrivateKey | None = None,
        serial: str | None = None,
    ) -> dict[str, str]:
        timestamp, nonce = str(int(at.timestamp())), secrets.token_hex(16)
        message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
        signature = (key or self.platform).sign(message, padding.PKCS1v15(), hashes.SHA256())
        return {
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": base64.b64encode(signature).decode(),
            "Wechatpay-Serial": serial or self.serial,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
            "Content-Type": "application/json",
        }

    def notification(
        self, out_trade_no: str, total: int, at: datetime, **transaction: Any
    ) -> Notification:
        """A signed, encrypted ``TRANSACTION.SUCCESS`` for the order, sent at ``at``."""
        resource = self.transaction(out_trade_no, total, success_time=at, **transaction)
        return self.signed(self.envelope(resource), at)

    def signed(self, envelope: dict[str, Any], at: datetime, **signing: Any) -> Notification:
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
        return Notification(self.sign(body, at, **signing), body)

    @staticmethod
    def other_key() -> rsa.RSAPrivateKey:
        """A key the service does not know: a forger's."""
        return _key()
