"""Where the server URL and token come from: flags, then environment, then the config file."""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import ClientError

SERVER_ENV, TOKEN_ENV = "HOLDOUT_SERVER", "HOLDOUT_TOKEN"


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "holdout" / "config.json"


@dataclass(frozen=True)
class Settings:
    server: str | None
    token: str | None


def normalize_server(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ClientError(f"the server URL must start with http:// or https://, got {url!r}")
    # Accept either the site's address or its API root.
    return url.removesuffix("/api/v1")


def load_file() -> dict:
    path = config_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ClientError(f"cannot read {path}: {exc}; fix or delete it, then run `holdout login`")
    return data if isinstance(data, dict) else {}


def resolve(server_flag: str | None, token_flag: str | None) -> Settings:
    """Each value independently: a flag beats the environment, which beats the file."""
    saved = load_file()
    server = server_flag or os.environ.get(SERVER_ENV) or saved.get("server")
    token = token_flag or os.environ.get(TOKEN_ENV) or saved.get("token")
    return Settings(server=normalize_server(server) if server else None, token=(token or "").strip() or None)


def save(server: str, token: str) -> Path:
    """Write atomically, readable by the owner alone: the file holds a credential."""
    path = config_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".config-", dir=path.parent)  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"server": server, "token": token}, out, indent=2)
            out.write("\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
