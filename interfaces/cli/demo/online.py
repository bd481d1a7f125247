"""An owner pays online through WeChat Pay (decision 0027), without the internet.

The demo plays the provider's part in process: it makes a platform key pair
and an APIv3 key for the load, configures the service's own WeChat Pay
adapter (``infrastructure/wechatpay.py``) with their public half, and builds
the signed, encrypted ``TRANSACTION.SUCCESS`` notification the provider
would POST. So the owner's order, the notification's verification and the
payment it records go through the same code as in production; the keys
live only for the load, and a configured service's own keys are never used.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.finance.online import OnlinePayments
from application.finance.online.commands import PlaceOrder, ReceiveNotification, RecordSettlement
from domain.finance.money import Money
from infrastructure.wechatpay import SIGNATURE_TYPE, WechatPayV3
from interfaces.cli.demo.books import BooksBase

MCHID = "1900000109"  # the example merchant and app of WeChat Pay's documentation
APPID = "wxd678efh567hg6787"
SERIAL = "DEMO0000000000000000000000000000000000001"


class DemoWechatPay:
    """The provider's side for one load: its keys and the notifications it sends."""

    def __init__(self) -> None:
        self.platform = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.apiv3_key = secrets.token_hex(16).encode()
        self.merchant = WechatPayV3(
            mchid=MCHID,
            appid=APPID,
            apiv3_key=self.apiv3_key,
            platform_keys={SERIAL: self.platform.public_key()},
        )

    def notification(self, out_trade_no: str, fen: int, paid_at: datetime) -> ReceiveNotification:
        nonce = secrets.token_hex(6)
        paid = {
            "appid": APPID,
            "mchid": MCHID,
            "out_trade_no": out_trade_no,
            "transaction_id": f"4200{secrets.randbelow(10**24):024d}",
            "trade_type": "JSAPI",
            "trade_state": "SUCCESS",
            "success_time": paid_at.isoformat(timespec="seconds"),
            "payer": {"openid": "oDemoHVGB801"},
            "amount": {"total": fen, "payer_total": fen, "currency": "CNY"},
        }
        sealed = AESGCM(self.apiv3_key).encrypt(
            nonce.encode(), json.dumps(paid).encode(), b"transaction"
        )
        body = json.dumps(
            {
                "id": f"EV-{secrets.token_hex(8)}",
                "create_time": paid_at.isoformat(timespec="seconds"),
                "resource_type": "encrypt-resource",
                "event_type": "TRANSACTION.SUCCESS",
                "summary": "支付成功",
                "resource": {
                    "original_type": "transaction",
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": base64.b64encode(sealed).decode(),
                    "associated_data": "transaction",
                    "nonce": nonce,
                },
            }
        ).encode()
        timestamp, header_nonce = str(int(paid_at.timestamp())), secrets.token_hex(16)
        signed = b"%s\n%s\n%s\n" % (timestamp.encode(), header_nonce.encode(), body)
        signature = self.platform.sign(signed, padding.PKCS1v15(), hashes.SHA256())
        headers = {
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": header_nonce,
            "Wechatpay-Signature": base64.b64encode(signature).decode(),
            "Wechatpay-Serial": SERIAL,
            "Wechatpay-Signature-Type": SIGNATURE_TYPE,
        }
        return ReceiveNotification(headers, body)


class OnlineDemo(BooksBase):
    online_takings = Decimal(0)

    def pay_online(self, unit_id: UUID, owner: str, day: date) -> None:
        """The owner orders their open bills paid from their phone; WeChat Pay's
        notification arrives a minute later and records the payment."""
        provider = DemoWechatPay()
        running = self.c.finance.online
        online = OnlinePayments(
            running.deps, running.accounts, provider.merchant, running.clearing, running.fee_rate
        )
        account = self.c.finance.accounts.account(unit_id)
        assert account is not None
        bills = [b.bill_id for b in account.bills.values() if b.outstanding > 0]
        self.d.settle()
        with self.on(day, 20), self.d.as_user(owner):
            order = online.place_order(PlaceOrder(self.d.actor(owner), unit_id, bill_ids=bills))
        fen = int(order.order.amount * 100)
        with self.on(day, 20, minute=1) as paid_at:
            online.notify(provider.notification(order.order.out_trade_no, fen, paid_at))
        self.online_takings += order.order.amount
        self.d.count("online_payments")
        self.d.count("payments")

    def settle_online(self) -> None:
        """WeChat Pay pays the takings out to the bank less its fee (0.6%)."""
        day = self.day(self.periods[-1], 28)
        self.d.settle()
        with self.clerk(day) as finance:
            self.c.finance.online.settle(
                RecordSettlement(
                    finance,
                    self.d.estate_id,
                    f"WXSETTLE-{day:%Y%m%d}",
                    day,
                    Money.of(self.online_takings, "CNY"),
                )
            )
        self.d.count("online_settlements")
