"""Configuration from HOLDOUT_* environment variables.

Kept free of Flask imports so Alembic's env.py and the CLI can use it too.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
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


def _positive_int_from_env(name: str, default: int) -> int:
    value = _int_from_env(name, default)
    if value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {os.environ.get(name)!r}")
    return value


def upload_limits_from_env() -> dict:
    """Bounds on what one upload may cost (issue 12), all positive integers:

    - HOLDOUT_MAX_UPLOAD_MB (100): the largest upload, as sent;
    - HOLDOUT_MAX_INFLATED_MB (10 x the upload limit): what a .csv.gz or .zip may decompress to;
    - HOLDOUT_MAX_COLUMNS (10,000) and HOLDOUT_MAX_LINE_KB (1,024): header width and line length;
    - HOLDOUT_INVALID_RETENTION_DAYS (7): how long invalid submissions' files are kept;
    - HOLDOUT_TEAM_STORAGE_MB (1,000): a team's budget for invalid files kept meanwhile.
    """
    upload = _positive_int_from_env("HOLDOUT_MAX_UPLOAD_MB", 100)
    inflated = _positive_int_from_env("HOLDOUT_MAX_INFLATED_MB", 10 * upload)
    if inflated < upload:
        raise ConfigError(f"HOLDOUT_MAX_INFLATED_MB ({inflated}) must be at least HOLDOUT_MAX_UPLOAD_MB ({upload})")
    return {
        "MAX_UPLOAD_MB": upload,
        "MAX_INFLATED_MB": inflated,
        "MAX_COLUMNS": _positive_int_from_env("HOLDOUT_MAX_COLUMNS", 10_000),
        "MAX_LINE_KB": _positive_int_from_env("HOLDOUT_MAX_LINE_KB", 1024),
        "INVALID_RETENTION_DAYS": _positive_int_from_env("HOLDOUT_INVALID_RETENTION_DAYS", 7),
        "TEAM_STORAGE_MB": _positive_int_from_env("HOLDOUT_TEAM_STORAGE_MB", 1000),
    }


def base_url_from_env() -> str | None:
    """HOLDOUT_BASE_URL, e.g. https://holdout.example.org: where links made outside a request point."""
    raw = os.environ.get("HOLDOUT_BASE_URL", "").strip()
    if not raw:
        return None
    if not raw.startswith(("http://", "https://")) or len(raw.split("://", 1)[1].strip("/")) == 0:
        raise ConfigError(f"HOLDOUT_BASE_URL must start with http:// or https:// and name a host, got {raw!r}")
    return raw.rstrip("/")


def smtp_url_from_env() -> str | None:
    """HOLDOUT_SMTP_URL, e.g. smtp://user:pass@host:587?starttls=1: unset means the server sends no mail."""
    from competitions.mail import parse_smtp_url

    raw = os.environ.get("HOLDOUT_SMTP_URL", "").strip()
    if not raw:
        return None
    try:
        parse_smtp_url(raw)
    except ValueError as exc:
        raise ConfigError(f"HOLDOUT_SMTP_URL {exc}") from None
    return raw


def mail_from_env(smtp_url: str | None) -> str | None:
    """HOLDOUT_MAIL_FROM, the sender address; required once HOLDOUT_SMTP_URL is set."""
    raw = os.environ.get("HOLDOUT_MAIL_FROM", "").strip()
    if smtp_url and not raw:
        raise ConfigError("HOLDOUT_MAIL_FROM must be set when HOLDOUT_SMTP_URL is, e.g. holdout@example.org")
    if raw and "@" not in raw:
        raise ConfigError(f"HOLDOUT_MAIL_FROM must be an e-mail address, got {raw!r}")
    return raw or None


# Rate limits (Flask-Limiter strings, "N per period", several joined by ";"); HOLDOUT_LIMIT_<NAME> replaces one.
DEFAULT_RATE_LIMITS = {
    "SIGNIN_ACCOUNT": "10 per 15 minutes",   # failed sign-ins for one username, from any address
    "SIGNIN_IP": "30 per 15 minutes",        # failed sign-ins from one address, for any username
    "SIGNUP_IP": "20 per hour",              # sign-up attempts from one address
    "TOKENS": "20 per hour",                 # API tokens made by one user
    "UPLOADS": "30 per minute; 300 per hour",  # submissions and /validate calls of one user, web and API
    "API_AUTH_IP": "30 per 15 minutes",      # requests with an unknown or revoked API token, per address
}


def rate_limits_from_env() -> dict:
    """LIMIT_<NAME> settings from HOLDOUT_LIMIT_<NAME>, each checked to parse."""
    from limits import parse_many

    out = {}
    for name, default in DEFAULT_RATE_LIMITS.items():
        raw = os.environ.get(f"HOLDOUT_LIMIT_{name}", "").strip() or default
        try:
            parse_many(raw)
        except ValueError:
            raise ConfigError(f"HOLDOUT_LIMIT_{name} must be a rate like '10 per 15 minutes', got {raw!r}") from None
        out[f"LIMIT_{name}"] = raw
    return out


def _flag_from_env(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0, got {raw!r}")


def redis_url_from_env() -> str | None:
    """HOLDOUT_REDIS_URL, e.g. redis://127.0.0.1:6379/0: rate limits shared by every process; unset: in memory."""
    raw = os.environ.get("HOLDOUT_REDIS_URL", "").strip()
    if not raw:
        return None
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"HOLDOUT_REDIS_URL must start with redis://, rediss:// or unix://, got {raw!r}")
    return raw


def storage_url_from_env() -> str | None:
    """HOLDOUT_STORAGE_URL: where uploaded files live. s3://bucket/prefix is an S3 bucket (endpoint,
    region and keys from the AWS_* variables, read by boto3); a path is a local folder. Unset: the
    data folder, HOLDOUT_DATA_DIR (docs/deploy.md, "Object storage")."""
    raw = os.environ.get("HOLDOUT_STORAGE_URL", "").strip()
    if not raw:
        return None
    if raw.startswith("s3://") and not raw[len("s3://"):].split("/", 1)[0]:
        raise ConfigError(f"HOLDOUT_STORAGE_URL must name a bucket, as in s3://bucket/prefix, got {raw!r}")
    if "://" in raw and not raw.startswith("s3://"):
        raise ConfigError(f"HOLDOUT_STORAGE_URL must be s3://bucket/prefix or a local folder, got {raw!r}")
    return raw


def trusted_proxies_from_env() -> int:
    """HOLDOUT_TRUSTED_PROXIES (0): how many reverse proxies stand in front of the app and set
    X-Forwarded-For/-Proto/-Host. Behind one proxy, 1 makes the per-address rate limits see the
    client's address instead of the proxy's; more than the real count would let clients forge it."""
    raw = os.environ.get("HOLDOUT_TRUSTED_PROXIES", "0").strip() or "0"
    if not raw.isdigit() or int(raw) > 10:
        raise ConfigError(f"HOLDOUT_TRUSTED_PROXIES must be a whole number from 0 to 10, got {raw!r}")
    return int(raw)


def queue_url_from_env() -> str | None:
    """HOLDOUT_QUEUE_URL: where background jobs wait (webapp/jobs.py). redis://... lets workers on
    several hosts share the queue; sqlite:///path names a queue file. Unset: HOLDOUT_REDIS_URL if
    that is set, else the file jobs.sqlite in the instance folder (no service needed)."""
    raw = os.environ.get("HOLDOUT_QUEUE_URL", "").strip()
    if not raw:
        return None
    if not raw.startswith(("redis://", "rediss://", "unix://", "sqlite:///")):
        raise ConfigError(f"HOLDOUT_QUEUE_URL must start with redis://, rediss://, unix:// or sqlite:///, got {raw!r}")
    return raw


def jobs_from_env() -> dict:
    """Background scoring (webapp/jobs.py):

    - HOLDOUT_ASYNC_SCORING_MB (5): uploads of at least this size are scored by a worker; 0: all;
    - HOLDOUT_JOB_LEASE_SECONDS (600): a job taken this long ago and unfinished is taken again
      (its worker is presumed dead), so keep it above the slowest scoring;
    - HOLDOUT_JOBS_IMMEDIATE (0): run jobs at once in the web process (tests, debugging);
    - HOLDOUT_QUEUE_NAME (holdout): the queue's name, so two sites can share one Redis.
    """
    async_mb = _int_from_env("HOLDOUT_ASYNC_SCORING_MB", 5)
    if async_mb < 0:
        raise ConfigError(f"HOLDOUT_ASYNC_SCORING_MB must be 0 or more, got {async_mb}")
    return {"ASYNC_SCORING_MB": async_mb, "JOB_LEASE_SECONDS": _positive_int_from_env("HOLDOUT_JOB_LEASE_SECONDS", 600),
            "JOBS_IMMEDIATE": _flag_from_env("HOLDOUT_JOBS_IMMEDIATE", False),
            "QUEUE_NAME": os.environ.get("HOLDOUT_QUEUE_NAME", "").strip() or "holdout"}


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
        **upload_limits_from_env(),
        "BASE_URL": base_url_from_env(),
        "TRUSTED_PROXIES": trusted_proxies_from_env(),
        # Seconds a refused upload's file waits before it is discarded (competitions/housekeeping.py):
        # time enough for a concurrent upload of the same bytes to commit its reference.
        "REFUSED_FILE_GRACE_SECONDS": max(0, _int_from_env("HOLDOUT_REFUSED_FILE_GRACE_SECONDS", 900)),
        "SMTP_URL": overrides["SMTP_URL"] if "SMTP_URL" in overrides else smtp_url_from_env(),
        # Pauses (seconds) between retries of a failed delivery, in the background thread.
        "MAIL_RETRY_DELAYS": (2, 10, 60),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        # Strict-Transport-Security, sent only in production (behind HTTPS).
        "HSTS": "max-age=31536000; includeSubDomains" if production else None,
        "REDIS_URL": overrides["REDIS_URL"] if "REDIS_URL" in overrides else redis_url_from_env(),
        "RATELIMIT_ENABLED": _flag_from_env("HOLDOUT_RATELIMIT_ENABLED", True),
        "RATELIMIT_KEY_PREFIX": "holdout",
        "RATELIMIT_HEADERS_ENABLED": True,
        **rate_limits_from_env(),
        **jobs_from_env(),
    }
    settings.update(overrides)
    # The job queue: its own URL, else the shared Redis, else a file beside the database.
    if not settings.get("QUEUE_URL"):
        settings["QUEUE_URL"] = (queue_url_from_env() or settings["REDIS_URL"]
                                 or f"sqlite:///{instance_dir() / 'jobs.sqlite'}")
    # The limiter's store: memory (one process) unless Redis is configured (shared by all processes).
    settings.setdefault("RATELIMIT_STORAGE_URI", settings["REDIS_URL"] or "memory://")
    # Uploaded files: HOLDOUT_STORAGE_URL, else the data folder (whichever DATA_DIR is in force).
    if not settings.get("STORAGE_URL"):
        settings["STORAGE_URL"] = storage_url_from_env() or settings["DATA_DIR"]
    if "MAIL_FROM" not in settings:
        settings["MAIL_FROM"] = mail_from_env(settings["SMTP_URL"])
    return settings
