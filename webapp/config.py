"""Configuration from HOLDOUT_* environment variables.

Kept free of Flask imports so Alembic's env.py and the CLI can use it too.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot run: the message names the variable to fix."""


def instance_dir() -> Path:
    return Path(os.environ.get("HOLDOUT_INSTANCE_DIR", ROOT / "instance"))


def is_production() -> bool:
    return os.environ.get("HOLDOUT_ENV", "development").lower() == "production"


def database_url_from_env() -> str:
    url = os.environ.get("HOLDOUT_DATABASE_URL")
    if url:
        return url
    instance_dir().mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_dir() / 'holdout.db'}"


def secret_key_from_env(production: bool) -> str:
    key = os.environ.get("HOLDOUT_SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("HOLDOUT_SECRET_KEY must be set when HOLDOUT_ENV=production")
    # Local runs get a key generated once and kept, so sessions survive restarts.
    path = instance_dir() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _int_from_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def base_url_from_env() -> str | None:
    """HOLDOUT_BASE_URL, e.g. https://holdout.example.org: where links made outside a request point."""
    raw = os.environ.get("HOLDOUT_BASE_URL", "").strip()
    if not raw:
        return None
    if not raw.startswith(("http://", "https://")) or len(raw.split("://", 1)[1].strip("/")) == 0:
        raise ConfigError(f"HOLDOUT_BASE_URL must start with http:// or https:// and name a host, got {raw!r}")
    return raw.rstrip("/")


def config_from_env(overrides: dict) -> dict:
    """The app's settings: HOLDOUT_* variables, then `overrides` on top.

    Variables that an override replaces are not read, so tests never touch
    the developer's instance/ folder.
    """
    production = overrides.get("HOLDOUT_ENV", "production" if is_production() else "development") == "production"
    settings = {
        "HOLDOUT_ENV": "production" if production else "development",
        "DATABASE_URL": overrides.get("DATABASE_URL") or database_url_from_env(),
        "SECRET_KEY": overrides.get("SECRET_KEY") or secret_key_from_env(production),
        "DATA_DIR": os.environ.get("HOLDOUT_DATA_DIR", str(instance_dir() / "data")),
        "MAX_UPLOAD_MB": _int_from_env("HOLDOUT_MAX_UPLOAD_MB", 100),
        "BASE_URL": base_url_from_env(),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
    }
    settings.update(overrides)
    return settings
