"""Login attempts per client address and wall-clock minute, counted in Redis.

Redis, so every process of the service counts the same attempts; the limit
itself is the application's rule (``application/identity/sessions.py``).
"""

from __future__ import annotations

import time

import redis


class RedisAttemptCounter:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def count_this_minute(self, client: str) -> tuple[int, int]:
        now = time.time()
        key = f"estatelog:ratelimit:login:{client}:{int(now // 60)}"
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, 120)  # outlives its minute, then goes by itself
        count = int(pipe.execute()[0])
        return count, 60 - int(now) % 60
