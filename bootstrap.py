"""The composition root: wire estatelog once, from settings, and nowhere else.

The HTTP app, the CLI, the benchmarks and the tests all build through
:func:`build`, so they run the same parts; nothing here is a module-level
singleton. What a test replaces is passed in as an override (the clock, the
ID factory, the password hasher, the SMS gateway), never patched into a built
container.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import redis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from dramatiq.brokers.redis import RedisBroker
from psycopg_pool import ConnectionPool

from application.approvals.service import ApprovalService
from application.audit.exports import Exports
from application.community.service import CommunityService
from application.context import current_session
from application.equipment.service import EquipmentService
from application.equipment.telemetry import TelemetryIngest
from application.finance import FinanceServices
from application.finance.invoices import InvoiceIssuer
from application.gate.service import GateService
from application.identity.ports import Passwords
from application.identity.service import IdentityService
from application.meters.service import MeterService
from application.notifications.service import NotificationService
from application.operations.recorder import IncidentRecorder
from application.operations.service import OperationsService
from application.parking.service import ParkingService
from application.patrols.service import PatrolService
from application.ports import Ids
from application.quality.service import QualityService
from application.registry.service import RegistryService
from application.scheduling import ScheduledJob
from application.services import ServiceDeps, random_id, utc_now
from application.stores.service import StoresService
from application.workorders.service import WorkOrderService
from domain.identity.user import LockoutPolicy
from infrastructure import secrets as secret_store
from infrastructure.aliyun_sms import AliyunSms
from infrastructure.autocommit import autocommitted
from infrastructure.common_passwords import common_passwords
from infrastructure.crypto import vault as vault_module
from infrastructure.crypto.passes import PassKey
from infrastructure.crypto.vault import PersonalDataVault
from infrastructure.database import apply_ddl, current_schema, open_pool
from infrastructure.embedded import EmbeddedServices
from infrastructure.eventstore.snapshotter import DDL as SNAPSHOTTER_DDL
from infrastructure.eventstore.snapshotter import Snapshotter
from infrastructure.eventstore.store import EventLog, postgres_env
from infrastructure.idempotency import DDL as IDEMPOTENCY_DDL
from infrastructure.idempotency import IdempotencyStore
from infrastructure.invoicing import LocalInvoiceRegister
from infrastructure.mail import SmtpEmailSender, SmtpSettings
from infrastructure.metrics import Metrics, StoreReadings, dramatiq_queue_depths
from infrastructure.notifications import NotificationJobs
from infrastructure.one_time_codes import RedisOneTimeCodes, SmsCodeSender
from infrastructure.passwords import Argon2Passwords
from infrastructure.settings import Settings
from infrastructure.sms import DevelopmentSmsOutbox, SmsSender
from infrastructure.tasks import DDL as TASKS_DDL
from infrastructure.tasks import AlertOutbox, Jobs, make_broker
from infrastructure.telemetry_store import DDL as TELEMETRY_DDL
from infrastructure.telemetry_store import PostgresReadingStore
from infrastructure.throttle import RedisAttemptCounter
from infrastructure.tokens import TokenService
from infrastructure.user_versions import RedisUserVersions
from infrastructure.wechatpay import WechatPayV3
from projections.audit.trail import AuditTrail
from projections.catalog import ReadModelDeps
from projections.contexts import read_models as context_read_models
from projections.equipment import queries as equipment_queries
from projections.finance.accounts.queries import OverdueBills
from projections.finance.checks import LedgerChecks
from projections.finance.clearing import OnlineClearingBalances
from projections.finance.fund import RegisteredUnits
from projections.finance.statements import LedgerReports
from projections.identity.directory import UserDirectory
from projections.identity.erasures import Erasures
from projections.identity.logins import LoginHistory
from projections.meters.directory import MeterDirectory
from projections.notifications.facts import NotificationFacts
from projections.parking.queries import DuePasses
from projections.patrols.queries import DueWork as PatrolDueWork
from projections.progress import PositionWaiter
from projections.quality.checks import QualityReadModels
from projections.registry.facts import RegistryFacts
from projections.registry.totals import RegisteredTotals
from projections.runtime import Projector
from projections.workorders import queries as workorder_queries
from replay.asof_builds import DDL as ASOF_DDL
from replay.asof_builds import AsOfBuilds
from replay.shapes import open_read_models
from replay.verify import CHECKPOINT_DDL, check_chain

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
    snapshotter: Snapshotter
    idempotency: IdempotencyStore
    broker: RedisBroker
    jobs: Jobs
    code_sender: SmsCodeSender
    registry: RegistryService
    equipment: EquipmentService
    workorders: WorkOrderService
    approvals: ApprovalService
    community: CommunityService
    stores: StoresService
    notifications: NotificationService
    finance: FinanceServices
    meters: MeterService
    gate: GateService  # visitors and access control (issue 17)
    exports: Exports
    metrics: Metrics
    incidents: IncidentRecorder
    operations: OperationsService
    parking: ParkingService
    quality: QualityService
    patrols: PatrolService
    # Read models as of a past position, built on demand (decision 0051).
    as_of: AsOfBuilds
    clock: Callable[[], datetime] = utc_now
    ids: Ids = random_id
    embedded: EmbeddedServices | None = None
    # Signs auditors' exports of the log (replay/attestation.py).
    signing_key: Ed25519PrivateKey | None = None
    _closers: list[Any] = field(default_factory=list)

    def scheduled_jobs(self) -> list[ScheduledJob]:
        """Every context's jobs that fall due with time, for the scheduler; and the
        demo estate's devices, which report while it exists (a no-op without it)."""
        from interfaces.cli.demo.live import devices_report

        return [
            *self.registry.scheduled(),
            *self.equipment.scheduled(),
            *self.workorders.scheduled(),
            *self.approvals.scheduled(),
            *self.community.scheduled(),
            *self.notifications.scheduled(),
            *self.finance.scheduled(),
            *self.quality.scheduled(),
            *self.patrols.scheduled(),
            *self.parking.scheduled(),
            *self.as_of.scheduled(),
            devices_report(self),
        ]

    def close(self) -> None:
        self.incidents.close()  # what waits is appended while the log is still open
        self.broker.close()
        # dramatiq's RedisBroker leaves its pool open on close; an embedded
        # Redis only stops at exit once no client is left connected.
        self.broker.client.connection_pool.disconnect()
        self.pool.close()
        self.event_log.close()
        self.redis.close()
        if self.embedded is not None:
            self.embedded.settle()


def build(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    ids: Ids = random_id,
    passwords: Passwords | None = None,
    sms: SmsSender | None = None,
    invoices: InvoiceIssuer | None = None,
) -> Container:
    """Every part of the service, on the servers ``settings`` name (embedded if none).

    ``clock`` is the time every command records (UTC); ``ids`` mints the ID of
    every record a command creates (random; IDs derived from a natural key, such
    as an estate's from its code, are not drawn from it); ``passwords`` hashes
    and verifies passwords (argon2id); ``sms`` sends one-time codes (a file under
    the data directory in development); ``invoices`` issues invoice numbers (a
    local register; a tax platform's client in its place).
    """
    settings = settings or Settings()
    embedded = None
    if settings.database_url is None or settings.redis_url is None:
        embedded = EmbeddedServices(settings.data_dir)
    database_url = settings.database_url or embedded.postgres_url()  # type: ignore[union-attr]
    redis_url = settings.redis_url or embedded.redis_url()  # type: ignore[union-attr]

    event_log = EventLog(
        postgres_env(database_url, settings.db_pool_size, settings.aggregate_cache_size)
    )
    incidents = IncidentRecorder(event_log, clock=clock)
    pool = open_pool(database_url, settings.db_pool_size)
    vault = PersonalDataVault(
        pool,
        secret_store.master_key(settings),
        register=settings.erasure_register or settings.secrets_dir / "erased-keys",
    )
    broker = make_broker(redis_url)
    jobs = Jobs(broker, pool)
    # A real gateway when the settings name one; else the development senders.
    gateway = AliyunSms.from_settings(settings) if settings.sms_provider == "aliyun" else None
    deps = ReadModelDeps(
        vault=vault,
        jobs=jobs,
        pool=pool,
        deliveries=NotificationJobs(
            broker,
            pool,
            vault,
            email=SmtpEmailSender(SmtpSettings.from_settings(settings)),
            sms=gateway,
            incidents=incidents,
        ),
    )
    with pool.connection() as conn:
        log_schema = current_schema(conn)
    projector = Projector(
        event_log,
        pool,
        [
            AuditTrail(log_schema),
            LoginHistory(log_schema),
            UserDirectory(vault, Erasures(pool)),
            AlertOutbox(jobs),
            *context_read_models(deps),
        ],
        incidents=incidents,
    )
    apply_ddl(
        pool,
        [
            *vault_module.DDL,
            *IDEMPOTENCY_DDL,
            *TASKS_DDL,
            *TELEMETRY_DDL,
            *CHECKPOINT_DDL,
            *SNAPSHOTTER_DDL,
            *ASOF_DDL,
        ],
    )
    # Before anything serves: a read model of another shape is rebuilt (decision 0018).
    open_read_models(event_log, pool, database_url, projector.projections)

    redis_client = redis.Redis.from_url(redis_url)
    user_versions = RedisUserVersions(redis_client, session=current_session)
    event_log.save_watchers.append(user_versions.watch)
    snapshotter = Snapshotter(event_log, pool)
    metrics = Metrics()
    event_log.save_watchers.append(metrics.watch)
    metrics.pools = {"read": pool, "events": event_log.chained_recorder.datastore.pool}
    metrics.readings = StoreReadings(
        head=event_log.head,
        statuses=projector.status,
        outboxes=[p.name for p in projector.projections if getattr(p, "has_side_effects", False)],
        queue_depths=lambda: dramatiq_queue_depths(broker),
    )
    snapshotter.version_watchers.append(user_versions.caught_up)
    code_sender = SmsCodeSender(
        broker,
        vault,
        sms or gateway or DevelopmentSmsOutbox(settings.data_dir / "dev-sms.log"),
        phone_of=lambda user_id: event_log.repository.get(user_id).phone_enc,
    )
    tokens = TokenService(
        secret_store.jwt_secret(settings),
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
        access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
    )
    identity = IdentityService(
        event_log,
        passwords=passwords or Argon2Passwords(),
        vault=vault,
        policy=LockoutPolicy(
            threshold=settings.lockout_threshold,
            window=timedelta(seconds=settings.lockout_window_seconds),
            cooldown=timedelta(seconds=settings.lockout_cooldown_seconds),
        ),
        refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
        codes=RedisOneTimeCodes(redis_client, secret_store.jwt_secret(settings)),
        code_sender=code_sender,
        common_passwords=common_passwords(),
        clock=clock,
        tokens=tokens,
        attempts=RedisAttemptCounter(redis_client),
        login_rate_limit=settings.login_rate_limit_per_minute,
        ids=ids,
        versions=user_versions,
    )
    service_deps = ServiceDeps(
        event_log=event_log,
        vault=vault,
        registry=RegistryFacts(pool, head=event_log.head, connect=lambda: autocommitted(pool)),
        progress=PositionWaiter(pool),
        clock=clock,
        ids=ids,
    )
    approvals = ApprovalService(service_deps)  # shared: contexts subscribe to its outcomes
    return Container(
        signing_key=secret_store.signing_key(settings),
        settings=settings,
        database_url=database_url,
        redis_url=redis_url,
        event_log=event_log,
        pool=pool,
        redis=redis_client,
        code_sender=code_sender,
        vault=vault,
        tokens=tokens,
        identity=identity,
        projector=projector,
        snapshotter=snapshotter,
        idempotency=IdempotencyStore(pool),
        broker=broker,
        jobs=jobs,
        registry=RegistryService(service_deps),
        equipment=EquipmentService(
            service_deps, PostgresReadingStore(pool), due=equipment_queries.DueWork(pool)
        ),
        workorders=WorkOrderService(service_deps, due=workorder_queries.DueWork(pool)),
        approvals=approvals,
        community=CommunityService(service_deps, approvals),
        stores=StoresService(service_deps, approvals),
        notifications=NotificationService(service_deps, NotificationFacts(pool)),
        finance=FinanceServices.build(
            service_deps,
            approvals,
            statements=LedgerReports(pool, event_log),
            checks=LedgerChecks(
                pool, event_log, lambda: check_chain(database_url, incidents, full=True)
            ),
            units=RegisteredUnits(pool),
            totals=RegisteredTotals(pool, event_log.head),
            overdue=OverdueBills(pool),
            clearing=OnlineClearingBalances(pool),
            provider=WechatPayV3.from_settings(settings),
            provider_fee_rate=settings.wechatpay_fee_rate,
            invoices=invoices or LocalInvoiceRegister(),
        ),
        meters=MeterService(service_deps, MeterDirectory(pool, lambda: autocommitted(pool))),
        gate=GateService(
            service_deps,
            PassKey(secret_store.signing_key(settings)),
            TelemetryIngest(service_deps, PostgresReadingStore(pool)),
        ),
        exports=Exports(event_log, clock, ids),
        metrics=metrics,
        incidents=incidents,
        operations=OperationsService(service_deps),
        parking=ParkingService(service_deps, due=DuePasses(pool)),
        quality=QualityService(service_deps, QualityReadModels(pool)),
        patrols=PatrolService(service_deps, due=PatrolDueWork(pool)),
        as_of=AsOfBuilds(
            event_log,
            pool,
            database_url,
            projector.projections,
            ttl_seconds=settings.asof_ttl_seconds,
            max_builds=settings.asof_max_builds,
        ),
        clock=clock,
        ids=ids,
        embedded=embedded,
    )
