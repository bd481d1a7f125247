"""One-time codes of the SMS second factor (R3.1): in Redis, never in the log.

A challenge lives five minutes; the code is stored as an HMAC, so a copy of
Redis does not hand out live codes; five wrong codes end the challenge (and
count towards the account's lockout, which the aggregate decides). Sending
runs in a dramatiq job, so a slow gateway never holds a login request.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any
from uuid import UUID

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker

from application.identity.ports import Vault
from infrastructure.sms import SmsMessage, SmsRefused, SmsSender

log = logging.getLogger(__name__)

CHALLENGE_TTL_SECONDS = 300
MAX_WRONG_CODES = 5
QUEUE = "estatelog-sms"


class RedisOneTimeCodes:
    def __init__(
        self,
        client: redis.Redis,
        key: bytes,
        ttl_seconds: int = CHALLENGE_TTL_SECONDS,
        max_wrong: int = MAX_WRONG_CODES,
    ) -> None:
        self.redis = client
        # A key of its own, derived from the server secret it is given.
        self.key = hmac.new(key, b"estatelog/one-time-codes", hashlib.sha256).digest()
        self.ttl = ttl_seconds
        self.max_wrong = max_wrong

    def issue(self, user_id: UUID) -> tuple[str, str]:
        challenge_id = secrets.token_urlsafe(24)
        code = f"{secrets.randbelow(10**6):06d}"
        name = self._name(challenge_id)
        pipe = self.redis.pipeline()
        pipe.hset(name, mapping={"user": str(user_id), "mac": self._mac(challenge_id, code)})
        pipe.expire(name, self.ttl)
        pipe.execute()
        return challenge_id, code

    def redeem(self, challenge_id: str, code: str) -> tuple[UUID | None, bool]:
        name = self._name(challenge_id)
        stored: dict[bytes, bytes] = self.redis.hgetall(name)  # type: ignore[assignment]
        if not stored:
            return None, False
        user_id = UUID(stored[b"user"].decode())
        if hmac.compare_digest(stored[b"mac"].decode(), self._mac(challenge_id, code)):
            # Single use: of two requests with the right code, only the one
            # that deletes the challenge logs in.
            return (user_id, True) if self.redis.delete(name) else (None, False)
        wrong = int(self.redis.hincrby(name, "wrong", 1))  # type: ignore[arg-type]
        if wrong >= self.max_wrong:
            self.redis.delete(name)
        return user_id, False

    def _name(self, challenge_id: str) -> str:
        digest = hashlib.sha256(challenge_id.encode()).hexdigest()
        return f"estatelog:otp:{digest}"

    def _mac(self, challenge_id: str, code: str) -> str:
        return hmac.new(self.key, f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()


class SmsCodeSender:
    """Enqueues the sending of a code; a worker reads the phone and sends it."""

    def __init__(
        self,
        broker: RedisBroker,
        vault: Vault,
        sms: SmsSender,
        phone_of: Callable[[UUID], str | None],
    ) -> None:
        self.vault = vault
        self.sms = sms
        self.phone_of = phone_of  # the user's sealed phone
        self.actor: Any = dramatiq.actor(  # type: ignore[call-overload]
            fn=self._send,
            actor_name="send_one_time_code",
            queue_name=QUEUE,
            broker=broker,
            max_retries=3,
            min_backoff=500,
            max_backoff=5_000,
            # A code older than its challenge is useless: do not retry past it.
            time_limit=CHALLENGE_TTL_SECONDS * 1000,
        )

    def send_code(self, user_id: UUID, code: str) -> None:
        self.actor.send(str(user_id), code)

    def _send(self, user_id: str, code: str) -> None:
        phone_enc = self.phone_of(UUID(user_id))
        phone = self.vault.decrypt(UUID(user_id), "phone", phone_enc)
        if not phone:
            log.warning("no phone on file for a one-time code; nothing sent")
            return
        try:
            self.sms.send(phone, SmsMessage.login_code(code))
        except SmsRefused as e:  # another try would be refused the same way
            log.warning("the one-time code was not sent: %s", e)
