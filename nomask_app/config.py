"""One typed settings object for the whole app, read from the environment and `.env`.

Every variable is prefixed with ``NOMASK_`` and documented in `.env.example`.
The defaults give a working app on a fresh machine (SQLite, local disk, no
keys); production mode refuses to start while a default secret is in use.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
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
        smtp_host: SMTP server; empty (the default) writes every email to the
            local outbox folder instead (`outbox_dir`).
        smtp_port: SMTP port (587 for STARTTLS, 465 for implicit TLS).
        smtp_username: SMTP login; empty means no authentication.
        smtp_password: SMTP password.
        smtp_security: ``starttls`` (default), ``tls`` (implicit) or ``none``.
        smtp_timeout_seconds: Give up on one SMTP attempt after this long.
        mail_from: The From header of every email we send.
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
    # Email (integrations/mailer.py).
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_from: str = "NoMask AI <no-reply@nomask.ai>"

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
