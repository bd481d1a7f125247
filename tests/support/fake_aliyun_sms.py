"""A stand-in for Alibaba Cloud SMS's ``SendSms`` endpoint, on 127.0.0.1, for tests.

It checks a request as the provider documents it, written here apart from
the client in ``infrastructure/aliyun_sms.py`` (the signature's reference
value from the provider's documentation is pinned in a unit test): the
signature over the sorted, percent-encoded parameters with the account's
secret; the common parameters; a timestamp within 15 minutes and a nonce not
seen before; a known signature name and template, and the template's
variables. It answers as the provider does, in JSON with ``Code``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

KEY_ID = "LTAI-test-key"
SECRET = "test-secret-never-real"
SIGN_NAME = "悦华物业"
TEMPLATES = {"SMS_100001": {"code"}, "SMS_100002": {"title", "body"}}
UNREACHABLE_NUMBER = "13800000000"  # the provider answers isv.MOBILE_NUMBER_ILLEGAL


@dataclass
class FakeAliyunSms:
    port: int = 0
    accepted: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    throttle_next: int = 0
    nonces: set[str] = field(default_factory=set)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, query: str) -> dict[str, str]:
        params = dict(parse_qsl(query, keep_blank_values=True))
        given = params.pop("Signature", "")
        canonical = "&".join(
            f"{_enc(k)}={_enc(v)}" for k, v in sorted(params.items(), key=lambda kv: kv[0])
        )
        expected = base64.b64encode(
            hmac.new(
                f"{SECRET}&".encode(), f"GET&%2F&{_enc(canonical)}".encode(), hashlib.sha1
            ).digest()
        ).decode()
        if params.get("AccessKeyId") != KEY_ID:
            return self._refuse("InvalidAccessKeyId.NotFound")
        if not hmac.compare_digest(given, expected):
            return self._refuse("SignatureDoesNotMatch")
        common = {
            "Action": "SendSms",
            "Format": "JSON",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "Version": "2017-05-25",
        }
        if any(params.get(k) != v for k, v in common.items()):
            return self._refuse("MissingParameter")
        stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs(datetime.now(UTC) - stamp) > timedelta(minutes=15):
            return self._refuse("InvalidTimeStamp.Expired")
        if params["SignatureNonce"] in self.nonces:
            return self._refuse("SignatureNonceUsed")
        self.nonces.add(params["SignatureNonce"])
        if self.throttle_next > 0:
            self.throttle_next -= 1
            return self._refuse("isv.BUSINESS_LIMIT_CONTROL")
        if params.get("SignName") != SIGN_NAME:
            return self._refuse("isv.SMS_SIGNATURE_ILLEGAL")
        wanted = TEMPLATES.get(params.get("TemplateCode", ""))
        variables = json.loads(params.get("TemplateParam", "{}"))
        if wanted is None or set(variables) != wanted:
            return self._refuse("isv.TEMPLATE_MISSING_PARAMETERS")
        phone = params.get("PhoneNumbers", "")
        if not (phone.isdigit() and len(phone) == 11) or phone == UNREACHABLE_NUMBER:
            return self._refuse("isv.MOBILE_NUMBER_ILLEGAL")
        with self.arrived:
            self.accepted.append({**params, "TemplateParam": variables})
            self.arrived.notify_all()
        return {"Code": "OK", "Message": "OK", "BizId": "9006197469364984^0", "RequestId": "r"}

    def _refuse(self, code: str) -> dict[str, str]:
        self.refused.append(code)
        return {"Code": code, "Message": f"refused: {code}", "RequestId": "r"}

    def wait_for(self, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.accepted) >= count, timeout), (
                f"{len(self.accepted)} messages arrived, refused: {self.refused}"
            )
            return list(self.accepted)


def _enc(text: str) -> str:
    return quote(text, safe="-_.~")


@contextmanager
def fake_aliyun_sms() -> Iterator[FakeAliyunSms]:
    fake = FakeAliyunSms()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(fake.answer(urlsplit(self.path).query)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
