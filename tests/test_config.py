import re
from pathlib import Path

import pytest
from pydantic import AliasChoices

from nomask_app.config import DEV_PASSWORD_PEPPER, DEV_SECRET_KEY, Settings

STRONG = "k" * 40
ROOT = Path(__file__).resolve().parents[1]


def test_production_refuses_default_secrets():
    with pytest.raises(ValueError, match="NOMASK_SECRET_KEY"):
        Settings(_env_file=None, env="prod", password_pepper=STRONG + "p")
    with pytest.raises(ValueError, match="NOMASK_PASSWORD_PEPPER"):
        Settings(_env_file=None, env="prod", secret_key=STRONG)
    with pytest.raises(ValueError, match="at least 32"):
        Settings(_env_file=None, env="prod", secret_key="short", password_pepper=STRONG)


def test_production_refuses_weak_bcrypt_cost():
    with pytest.raises(ValueError, match="BCRYPT_ROUNDS"):
        Settings(
            _env_file=None, env="prod", secret_key=STRONG, password_pepper=STRONG, bcrypt_rounds=10
        )


def test_production_starts_with_real_secrets():
    settings = Settings(
        _env_file=None,
        env="prod",
        secret_key=STRONG,
        password_pepper=STRONG + "x",
        bcrypt_rounds=12,
    )
    assert settings.secret_key.get_secret_value() not in (DEV_SECRET_KEY, DEV_PASSWORD_PEPPER)


def test_dev_defaults_work_without_any_configuration():
    settings = Settings(_env_file=None, env="dev", database_url="sqlite:///data/nomask.db")
    assert settings.sqlalchemy_url.startswith("sqlite:////")
    assert settings.sqlalchemy_url.endswith("/data/nomask.db")
    assert settings.allowed_origins == ["http://localhost:3000"]
    assert not settings.secure_cookies


def test_https_app_url_means_secure_cookies():
    assert Settings(_env_file=None, app_url="https://nomask.example").secure_cookies


def test_secrets_are_not_shown_in_repr():
    assert DEV_SECRET_KEY not in repr(Settings(_env_file=None))


def test_billing_is_off_without_stripe_keys_and_blank_keys_count_as_none():
    assert not Settings(_env_file=None).billing_enabled
    blank = Settings(_env_file=None, stripe_secret_key="  ", stripe_webhook_secret="")
    assert not blank.billing_enabled


def test_stripe_keys_come_in_pairs():
    with pytest.raises(ValueError, match="NOMASK_STRIPE_WEBHOOK_SECRET"):
        Settings(_env_file=None, stripe_secret_key="sk_test_x")
    with pytest.raises(ValueError, match="NOMASK_STRIPE_SECRET_KEY"):
        Settings(_env_file=None, stripe_webhook_secret="whsec_x")
    both = Settings(_env_file=None, stripe_secret_key="sk_test_x", stripe_webhook_secret="whsec_x")
    assert both.billing_enabled
    assert "sk_test_x" not in repr(both) and "whsec_x" not in repr(both)


def test_production_talks_to_stripe_over_https_only():
    keys = {
        "stripe_secret_key": "sk_live_x",
        "stripe_webhook_secret": "whsec_x",
        "bcrypt_rounds": 12,
    }
    with pytest.raises(ValueError, match="NOMASK_STRIPE_API_BASE"):
        Settings(
            _env_file=None,
            env="prod",
            secret_key=STRONG,
            password_pepper=STRONG + "x",
            stripe_api_base="http://127.0.0.1:12111",
            **keys,
        )
    settings = Settings(
        _env_file=None, env="prod", secret_key=STRONG, password_pepper=STRONG + "x", **keys
    )
    assert settings.stripe_api_base == "https://api.stripe.com"


def test_every_setting_is_documented_in_env_example():
    documented = set(
        re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    missing = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names = alias.choices if isinstance(alias, AliasChoices) else [alias or f"NOMASK_{name}"]
        if not {str(n).upper() for n in names} & documented:
            missing.append(name)
    assert missing == [], "add these settings to .env.example"


def test_rate_limit_counters_follow_the_shared_redis_unless_set(monkeypatch):
    monkeypatch.delenv("NOMASK_RATE_LIMIT_STORAGE_URL", raising=False)
    assert Settings().rate_limit_storage == "memory://"
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://cache:6379/0")
    assert Settings().rate_limit_storage == "redis://cache:6379/0"
    monkeypatch.setenv("NOMASK_RATE_LIMIT_STORAGE_URL", "redis://rl:6379/1")
    assert Settings().rate_limit_storage == "redis://rl:6379/1"


def test_an_s3_file_store_without_a_bucket_refuses_to_start():
    with pytest.raises(ValueError, match="NOMASK_S3_BUCKET"):
        Settings(_env_file=None, file_store="s3")
    with pytest.raises(ValueError, match="file_store"):
        Settings(_env_file=None, file_store="ftp")
    assert Settings(_env_file=None, file_store="s3", s3_bucket="files").file_store == "s3"
