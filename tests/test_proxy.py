"""HOLDOUT_TRUSTED_PROXIES: behind a reverse proxy, per-address limits see the client, not the proxy."""
from __future__ import annotations

import pytest


def _signin_attempts(app, forwarded_for: list[str]) -> list[int]:
    client = app.test_client()
    return [client.post("/signin", data={"username": "nobody", "password": "wrong-password-1"},
                        headers={"X-Forwarded-For": addr}, environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code
            for addr in forwarded_for]


def test_behind_one_trusted_proxy_each_client_has_its_own_limit(limited_app):
    app = limited_app(TRUSTED_PROXIES=1, LIMIT_SIGNIN_IP="2 per hour", LIMIT_SIGNIN_ACCOUNT="100 per hour")
    # Two clients share the proxy's address; each gets its own two failed attempts.
    codes = _signin_attempts(app, ["203.0.113.5", "203.0.113.5", "198.51.100.7", "198.51.100.7",
                                   "203.0.113.5"])
    assert codes[:4] == [401, 401, 401, 401]
    assert codes[4] == 429


def test_without_trusted_proxies_a_forged_header_changes_nothing(limited_app):
    app = limited_app(TRUSTED_PROXIES=0, LIMIT_SIGNIN_IP="2 per hour", LIMIT_SIGNIN_ACCOUNT="100 per hour")
    codes = _signin_attempts(app, ["203.0.113.5", "198.51.100.7", "192.0.2.9"])
    assert codes == [401, 401, 429]  # all three came from 10.0.0.1, whatever the header claimed


@pytest.mark.parametrize("raw", ["-1", "x", "11"])
def test_a_bad_trusted_proxies_value_is_refused(monkeypatch, raw):
    from webapp.config import ConfigError, trusted_proxies_from_env

    monkeypatch.setenv("HOLDOUT_TRUSTED_PROXIES", raw)
    with pytest.raises(ConfigError, match="HOLDOUT_TRUSTED_PROXIES"):
        trusted_proxies_from_env()
