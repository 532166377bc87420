"""One typed settings object for the whole app, read from the environment and `.env`.

Every variable is prefixed with ``NOMASK_`` and documented in `.env.example`.
The defaults give a working app on a fresh machine (SQLite, local disk, no
keys); production mode refuses to start while a default secret is in use.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development-only values. Production refuses them (see `_refuse_defaults`).
DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"  # noqa: S105
DEV_PASSWORD_PEPPER = "dev-only-password-pepper-do-not-use-in-production"  # noqa: S105

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Application settings.

    Attributes:
        env: ``dev`` (default), ``test`` or ``prod``.
        app_url: Public URL people open in the browser (scheme decides `Secure` cookies).
        api_url: Public URL of the backend; the same as `app_url` when one port
            serves both (production mode and `make run`).
        secret_key: Signs tokens that leave the server (unsubscribe links, ...).
        password_pepper: Server-side key mixed into every password before bcrypt.
        database_url: SQLAlchemy URL; SQLite by default, PostgreSQL by configuration.
        data_dir: Where private files, the email outbox and exports live.
        bcrypt_rounds: bcrypt cost; production requires at least 12.
        session_idle_hours: A session unused this long is signed out.
        session_lifetime_days: A session older than this is signed out.
        cors_extra_origins: Origins allowed besides `app_url` and `api_url`.
        trusted_proxy_hops: Reverse proxies in front of the app whose
            ``X-Forwarded-For`` may be trusted for the client IP.
        stripe_secret_key: Stripe secret API key; billing is off without it.
        stripe_webhook_secret: Signing secret of the Stripe webhook endpoint.
        stripe_api_base: Stripe API address (tests point it at a local stand-in).
        stripe_price_ids: Plan id -> Stripe price id, overriding the plans file.
        billing_grace_days: Days a paid plan keeps working after a failed payment.
        plans_file: Plans and their entitlements (TOML); the bundled file by default.
        smtp_host: SMTP server; empty (the default) writes every email to the
            local outbox folder instead (`outbox_dir`).
        smtp_port: SMTP port (587 for STARTTLS, 465 for implicit TLS).
        smtp_username: SMTP login; empty means no authentication.
        smtp_password: SMTP password.
        smtp_security: ``starttls`` (default), ``tls`` (implicit) or ``none``.
        smtp_timeout_seconds: Give up on one SMTP attempt after this long.
        mail_from: The From header of every email we send.
        outbox_retention_days: Without SMTP, the outbox keeps each message this
            many days (a deleted account's mail goes with it at once).
        rate_limit_storage_url: Where rate-limit counters live: ``memory://`` (one
            process) or ``redis://host:6379/0`` (shared by every worker). Unset:
            the Redis of `redis_url` when there is one, else memory.
        rate_limits: Limit name -> limits such as ``"10/minute;100/hour"``,
            overriding the defaults in `services/operations/ratelimit.py`.
        signin_free_failures: Wrong passwords allowed before delays start.
        signin_max_ip_delay_seconds: The longest wait imposed on one address.
        signin_max_account_delay_seconds: The longest wait imposed on one account
            (short, so an attacker cannot lock its owner out for long).
        signin_stuffing_accounts: An address is slowed down as a whole only once
            its failures of the last hour span more accounts than this
            (credential stuffing); below it, only the (address, account) pair
            and the account are.
        max_socket_message_bytes: The largest websocket message accepted.
        max_sockets_per_ip: Open websocket connections allowed per address.
        request_timeout_seconds: A request whose response has not started by
            then gets a 504 (streams are unaffected once started).
        request_body_timeout_seconds: A request body must arrive within this
            (uploads get `upload_timeout_seconds`).
        upload_timeout_seconds: Time allowed to send an upload.
        metrics_token: Bearer token for `GET /api/metrics` (admins need none).
        log_level: Level of the app's JSON logs.
        export_ttl_hours: A finished data export is downloadable this long, then deleted.
        export_interval_minutes: One data export per person per this many minutes.
        privacy_sweep_minutes: How often one instance of all hosts expires exports, finishes
            interrupted account deletions and removes orphaned files (fractions allowed).
        job_lease_seconds: How long a background job's claim lasts without renewal
            (services/operations/leases.py): an export whose instance died is taken
            over by another after about twice this.
        tombstone_ledger: The append-only file of deleted account ids
            (services/privacy/tombstones.py) with the local file store (with
            ``s3`` the ledger is in the bucket); keep it off the database's
            volume and never restore it with the database. Default:
            ``<data dir>/tombstones.jsonl``.
    """

    model_config = SettingsConfigDict(
        env_prefix="NOMASK_",
        env_file=PROJECT_ROOT / ".env",
        extra="ignore",
    )

    env: Literal["dev", "test", "prod"] = "dev"
    app_url: str = "http://localhost:3000"
    api_url: str | None = None
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    password_pepper: SecretStr = SecretStr(DEV_PASSWORD_PEPPER)
    database_url: str = "sqlite:///data/nomask.db"
    data_dir: Path = Path("data")
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    session_idle_hours: int = Field(default=24 * 7, ge=1)
    session_lifetime_days: int = Field(default=30, ge=1)
    cors_extra_origins: list[str] = Field(default_factory=list)
    trusted_proxy_hops: int = Field(default=0, ge=0)
    # Redis for several workers: Reflex's state manager reads REFLEX_REDIS_URL
    # itself; the same server relays replies between workers.
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("NOMASK_REDIS_URL", "REFLEX_REDIS_URL")
    )
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str = "https://api.stripe.com"
    stripe_price_ids: dict[str, str] = Field(default_factory=dict)
    billing_grace_days: int = Field(default=7, ge=0, le=60)
    plans_file: Path | None = None

    @field_validator("stripe_secret_key", "stripe_webhook_secret", "metrics_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `NOMASK_STRIPE_SECRET_KEY=` in a .env file means "not configured".
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _stripe_keys_come_in_pairs(self) -> "Settings":
        """Billing needs both keys: without the webhook secret nobody who pays gets access."""
        if (self.stripe_secret_key is None) != (self.stripe_webhook_secret is None):
            raise ValueError(
                "set both NOMASK_STRIPE_SECRET_KEY and NOMASK_STRIPE_WEBHOOK_SECRET, or neither"
            )
        production = self.env == "prod" and self.stripe_secret_key is not None
        if production and urlsplit(self.stripe_api_base).scheme != "https":
            raise ValueError("NOMASK_STRIPE_API_BASE must be an https URL in production")
        return self

    # AI providers (integrations/llm.py). The usual key variables are read as
    # they are; a provider is offered only when its key or URL is set.
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    anthropic_api_key: SecretStr | None = Field(default=None, validation_alias="ANTHROPIC_API_KEY")
    gemini_api_key: SecretStr | None = Field(default=None, validation_alias="GEMINI_API_KEY")
    mistral_api_key: SecretStr | None = Field(default=None, validation_alias="MISTRAL_API_KEY")
    groq_api_key: SecretStr | None = Field(default=None, validation_alias="GROQ_API_KEY")
    openrouter_api_key: SecretStr | None = Field(
        default=None, validation_alias="OPENROUTER_API_KEY"
    )
    stability_api_key: SecretStr | None = Field(default=None, validation_alias="STABILITY_API_KEY")
    # Models offered per provider key, overriding the built-in lists,
    # e.g. {"openai": ["gpt-4o-mini"], "anthropic": ["claude-sonnet-4-5"]}.
    llm_models: dict[str, list[str]] = Field(default_factory=dict)
    ollama_base_url: str | None = None
    ollama_models: list[str] = Field(default_factory=lambda: ["llama3.2"])
    openai_compatible_base_url: str | None = None
    openai_compatible_api_key: SecretStr | None = None
    openai_compatible_models: list[str] = Field(default_factory=list)
    openai_compatible_vision: bool = False
    openai_compatible_context_tokens: int = Field(default=8192, ge=512)
    # A litellm Router `model_list` (+ `fallbacks`) in JSON or YAML.
    models_file: Path | None = None
    llm_timeout_seconds: float = Field(default=60.0, gt=0)
    llm_num_retries: int = Field(default=0, ge=0, le=5)
    llm_cooldown_seconds: float = Field(default=30.0, ge=0)
    demo_token_delay: float = Field(default=0.02, ge=0)
    max_message_chars: int = Field(default=32_000, ge=100)
    max_text_attachment_bytes: int = Field(default=100_000, ge=1_000)
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(default=40_000_000, ge=10_000)
    # Where the bytes of files and images live (services/images/files.py): the data
    # directory, or an S3-compatible bucket (integrations/object_store.py).
    file_store: Literal["local", "s3"] = "local"
    s3_bucket: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_prefix: str = "files/"
    # Image models (image studio). Per provider key, overriding the built-in lists,
    # e.g. {"openai": ["gpt-image-1"], "gemini": ["imagen-3.0-generate-001"]}.
    image_models: dict[str, list[str]] = Field(default_factory=dict)
    # Image models behind NOMASK_OPENAI_COMPATIBLE_BASE_URL.
    openai_compatible_image_models: list[str] = Field(default_factory=list)
    image_timeout_seconds: float = Field(default=120.0, gt=0)
    # Email (integrations/mailer.py).
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_from: str = "NoMask AI <no-reply@nomask.ai>"
    outbox_retention_days: int = Field(default=7, ge=1, le=365)
    # Security and operations (services/operations/ratelimit.py, signin_guard.py, middleware.py).
    rate_limit_storage_url: str | None = None
    rate_limits: dict[str, str] = Field(default_factory=dict)
    signin_free_failures: int = Field(default=5, ge=1, le=50)
    signin_max_ip_delay_seconds: int = Field(default=900, ge=1)
    signin_max_account_delay_seconds: int = Field(default=300, ge=1, le=3600)
    signin_stuffing_accounts: int = Field(default=10, ge=1, le=10_000)
    max_socket_message_bytes: int = Field(default=512 * 1024, ge=16 * 1024)
    max_sockets_per_ip: int = Field(default=20, ge=1)
    request_timeout_seconds: float = Field(default=60.0, gt=0)
    request_body_timeout_seconds: float = Field(default=30.0, gt=0)
    upload_timeout_seconds: float = Field(default=600.0, gt=0)
    metrics_token: SecretStr | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Privacy center (services/privacy/exports.py, services/privacy/account_deletion.py).
    export_ttl_hours: int = Field(default=24, ge=1, le=24 * 7)
    export_interval_minutes: int = Field(default=60, ge=0)
    privacy_sweep_minutes: float = Field(default=10, gt=0)
    job_lease_seconds: float = Field(default=60, ge=1)
    tombstone_ledger: Path | None = None

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> "Settings":
        """An S3 file store without a bucket would fail on the first upload: refuse to start."""
        if self.file_store == "s3" and not self.s3_bucket:
            raise ValueError("NOMASK_FILE_STORE=s3 needs NOMASK_S3_BUCKET")
        return self

    @model_validator(mode="after")
    def _refuse_defaults(self) -> "Settings":
        """Refuse development secrets and weak hashing in production."""
        if self.env != "prod":
            return self
        problems = []
        for name, dev_value in (
            ("secret_key", DEV_SECRET_KEY),
            ("password_pepper", DEV_PASSWORD_PEPPER),
        ):
            value = getattr(self, name).get_secret_value()
            if value == dev_value or len(value) < 32:
                problems.append(
                    f"NOMASK_{name.upper()} must be set to a random value of at least 32 characters"
                )
        if self.bcrypt_rounds < 12:
            problems.append("NOMASK_BCRYPT_ROUNDS must be at least 12 in production")
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self

    @property
    def backend_url(self) -> str:
        """The backend's public URL (the app URL when one port serves both)."""
        return (self.api_url or self.app_url).rstrip("/")

    @property
    def billing_enabled(self) -> bool:
        """Whether Stripe billing is on (both Stripe keys are configured)."""
        return self.stripe_secret_key is not None and self.stripe_webhook_secret is not None

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies get the `Secure` flag (the app is served over https)."""
        return urlsplit(self.app_url).scheme == "https"

    @property
    def allowed_origins(self) -> list[str]:
        """Origins that may call the backend with credentials (CORS and websocket)."""
        origins = [_origin(self.app_url), _origin(self.backend_url)]
        origins += [_origin(url) for url in self.cors_extra_origins]
        return list(dict.fromkeys(origins))

    def resolve_path(self, path: Path) -> Path:
        """Anchor a relative path at the project root, so the cwd does not matter."""
        return path if path.is_absolute() else PROJECT_ROOT / path

    @property
    def files_dir(self) -> Path:
        """Private file store (uploads, generated and edited images)."""
        return self.resolve_path(self.data_dir) / "files"

    @property
    def outbox_dir(self) -> Path:
        """Where emails are written, one .eml file each, when no SMTP server is set."""
        return self.resolve_path(self.data_dir) / "outbox"

    @property
    def rate_limit_storage(self) -> str:
        """The `limits` storage URL: explicit, else the shared Redis, else this process."""
        return self.rate_limit_storage_url or self.redis_url or "memory://"

    @property
    def exports_dir(self) -> Path:
        """Finished data export archives (deleted when they expire)."""
        return self.resolve_path(self.data_dir) / "exports"

    @property
    def tombstone_ledger_path(self) -> Path:
        """The tombstone ledger file (deleted account ids, kept apart from the database)."""
        return self.resolve_path(self.tombstone_ledger or self.data_dir / "tombstones.jsonl")

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with a relative SQLite path anchored at the project root."""
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and not self.database_url.startswith(prefix + "/"):
            relative = self.database_url.removeprefix(prefix)
            if relative and relative != ":memory:":
                return prefix + str(self.resolve_path(Path(relative)))
        return self.database_url


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings (cached; tests call `cache_clear`)."""
    return Settings()
