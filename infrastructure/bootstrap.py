"""Wire estatelog once: event log, read models, services, from settings.

The HTTP app, the CLI and the tests all build through :func:`build`, so they
run the same parts; nothing here is a module-level singleton.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import redis
from dramatiq.brokers.redis import RedisBroker
from psycopg_pool import ConnectionPool

from application.identity.service import IdentityService
from domain.identity.user import LockoutPolicy, User
from infrastructure import secrets as secret_store
from infrastructure.crypto import vault as vault_module
from infrastructure.crypto.vault import PersonalDataVault
from infrastructure.database import apply_ddl, open_pool
from infrastructure.embedded import EmbeddedServices
from infrastructure.eventstore.store import EventLog, postgres_env
from infrastructure.idempotency import DDL as IDEMPOTENCY_DDL
from infrastructure.idempotency import IdempotencyStore
from infrastructure.passwords import Argon2Passwords
from infrastructure.settings import Settings
from infrastructure.tasks import DDL as TASKS_DDL
from infrastructure.tasks import AlertOutbox, Jobs, make_broker
from infrastructure.tokens import TokenService
from projections.audit.trail import AuditTrail
from projections.identity.directory import UserDirectory
from projections.identity.logins import LoginHistory
from projections.runtime import Projector

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    database_url: str
    redis_url: str
    event_log: EventLog
    pool: ConnectionPool
    redis: redis.Redis
    vault: PersonalDataVault
    tokens: TokenService
    identity: IdentityService
    projector: Projector
    idempotency: IdempotencyStore
    broker: RedisBroker
    jobs: Jobs
    embedded: EmbeddedServices | None = None
    _closers: list[Any] = field(default_factory=list)

    def close(self) -> None:
        self.broker.close()
        self.pool.close()
        self.event_log.close()
        self.redis.close()


def build(settings: Settings | None = None) -> Container:
    settings = settings or Settings()
    embedded = None
    if settings.database_url is None or settings.redis_url is None:
        embedded = EmbeddedServices(settings.data_dir)
    database_url = settings.database_url or embedded.postgres_url()  # type: ignore[union-attr]
    redis_url = settings.redis_url or embedded.redis_url()  # type: ignore[union-attr]

    event_log = EventLog(
        postgres_env(database_url, settings.db_pool_size),
        snapshotting_intervals={User: 100},
    )
    pool = open_pool(database_url, settings.db_pool_size)
    vault = PersonalDataVault(pool, secret_store.master_key(settings))
    broker = make_broker(redis_url)
    jobs = Jobs(broker, pool)
    projector = Projector(
        event_log,
        pool,
        [AuditTrail(), LoginHistory(), UserDirectory(vault), AlertOutbox(jobs)],
    )
    apply_ddl(pool, [*vault_module.DDL, *IDEMPOTENCY_DDL, *TASKS_DDL, *projector.ddl()])

    identity = IdentityService(
        event_log,
        passwords=Argon2Passwords(),
        vault=vault,
        policy=LockoutPolicy(
            threshold=settings.lockout_threshold,
            window=timedelta(seconds=settings.lockout_window_seconds),
            cooldown=timedelta(seconds=settings.lockout_cooldown_seconds),
        ),
        refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
    )
    tokens = TokenService(
        secret_store.jwt_secret(settings),
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
        access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
    )
    return Container(
        settings=settings,
        database_url=database_url,
        redis_url=redis_url,
        event_log=event_log,
        pool=pool,
        redis=redis.Redis.from_url(redis_url),
        vault=vault,
        tokens=tokens,
        identity=identity,
        projector=projector,
        idempotency=IdempotencyStore(pool),
        broker=broker,
        jobs=jobs,
        embedded=embedded,
    )
