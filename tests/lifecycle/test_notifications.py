"""Notifications: fan-out for each event, the page and header count, and e-mail through a real
SMTP server on a loopback port (aiosmtpd), including one that refuses and one that is down."""
from __future__ import annotations

import logging
import re
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from lifecycle_support import AFTER, predictions
from sqlalchemy import select

from competitions.models import OutgoingMail
from webapp import create_app
from webapp.config import ConfigError

A = "/api/v1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what it receives, or refuses every recipient."""

    def __init__(self, refuse: bool = False):
        self.refuse = refuse
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted"


@pytest.fixture
def smtp():
    """smtp(refuse=False) -> (Inbox, port): a real SMTP server on 127.0.0.1."""
    controllers = []

    def _start(refuse: bool = False):
        inbox, port = Inbox(refuse), _free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return inbox, port

    yield _start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def mail_app(db_url, engine, tmp_path):
    """mail_app(port) -> the app sending to smtp://127.0.0.1:<port>, retrying at once (no pauses)."""
    apps = []

    def _make(port: int):
        app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "t", "DATA_DIR": str(tmp_path / "data"),
                          "TESTING": True, "WTF_CSRF_ENABLED": False, "SMTP_URL": f"smtp://127.0.0.1:{port}",
                          "MAIL_FROM": "holdout@example.org", "MAIL_RETRY_DELAYS": (0, 0)})
        apps.append(app)
        return app

    yield _make
    for app in apps:
        app.extensions["holdout.mailer"].wait()
        app.extensions["holdout.engine"].dispose()


@pytest.fixture
def thread(people, make_user, make_competition, join, clock, bearer):
    """ann (with an e-mail address, joined) started a topic; bob joined. -> (topic id, headers)"""
    ann = make_user("ann", email="ann@example.org")
    competition = make_competition(people.org)
    join(competition, ann)
    join(competition, people.bob)
    return ann, {"ann": bearer(ann), "bob": bearer(people.bob), "org": bearer(people.org)}


def _start_topic(client, headers) -> int:
    response = client.post(f"{A}/competitions/house-prices/topics", headers=headers,
                           json={"title": "Missing values?", "body": "Column x has gaps."})
    assert response.status_code == 201
    return response.get_json()["id"]


def _wants_email(client, login, username: str, kinds=("reply",)) -> None:
    login(client, username)
    assert client.post("/notifications/settings", data={f"email_{k}": "1" for k in kinds}).status_code == 303


def test_a_reply_is_mailed_after_the_commit(smtp, mail_app, thread, login):
    inbox, port = smtp()
    app = mail_app(port)
    client = app.test_client()
    _, h = thread
    tid = _start_topic(client, h["ann"])
    _wants_email(client, login, "ann")
    first = client.post(f"{A}/topics/{tid}/replies", headers=h["bob"], json={"body": "Impute them."})
    assert first.status_code == 201
    app.extensions["holdout.mailer"].wait()
    assert len(inbox.messages) == 1
    rcpts, message = inbox.messages[0]
    assert rcpts == ["ann@example.org"] and message["From"] == "holdout@example.org"
    assert message["Subject"] == "[Holdout] bob replied in “Missing values?” (House prices)"
    assert re.search(rf"http://localhost/c/house-prices/discussion/{tid}#post-\d+", message.get_content())
    # The in-app notification is there too, and bob (who chose nothing) got no mail for ann's answer.
    client.post(f"{A}/topics/{tid}/replies", headers=h["ann"], json={"body": "Thanks",
                                                                     "parent_id": first.get_json()["id"]})
    app.extensions["holdout.mailer"].wait()
    assert len(inbox.messages) == 1
    assert client.get(f"{A}/notifications", headers=h["bob"]).get_json()["unread"] == 1


@pytest.mark.parametrize("server", ["refusing", "down"])
def test_a_failing_smtp_server_never_fails_the_request(server, smtp, mail_app, thread, login, sessions, caplog):
    if server == "refusing":
        inbox, port = smtp(refuse=True)
    else:
        port = _free_port()  # nothing listens there
    app = mail_app(port)
    client = app.test_client()
    _, h = thread
    tid = _start_topic(client, h["ann"])
    _wants_email(client, login, "ann")
    with caplog.at_level(logging.WARNING, logger="holdout.mail"):
        reply = client.post(f"{A}/topics/{tid}/replies", headers=h["bob"], json={"body": "Impute them."})
        assert reply.status_code == 201
        app.extensions["holdout.mailer"].wait()
    with sessions() as s:
        row = s.scalar(select(OutgoingMail))
        # One try and two retries (MAIL_RETRY_DELAYS has two pauses), each recorded; still unsent.
        assert row.sent_at is None and row.attempts == 3
        assert ("550" in row.last_error) if server == "refusing" else ("Connection" in row.last_error or
                                                                        "Errno" in row.last_error)
    assert sum("failed" in r.getMessage() for r in caplog.records) == 3
    if server == "refusing":
        assert inbox.messages == []
    # The notification itself is in the app.
    assert client.get(f"{A}/notifications", headers=h["ann"]).get_json()["unread"] == 1


def test_the_outbox_is_flushed_later_once_the_server_is_back(smtp, mail_app, thread, login, sessions):
    port = _free_port()
    app = mail_app(port)
    client = app.test_client()
    _, h = thread
    tid = _start_topic(client, h["ann"])
    _wants_email(client, login, "ann")
    client.post(f"{A}/topics/{tid}/replies", headers=h["bob"], json={"body": "Impute them."})
    app.extensions["holdout.mailer"].wait()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        result = app.test_cli_runner().invoke(args=["mail", "flush"])
        assert result.exit_code == 0 and "Sent 1 message(s)." in result.output
    finally:
        controller.stop()
    assert [rcpts for rcpts, _ in inbox.messages] == [["ann@example.org"]]


def test_a_forgotten_password_is_reset_by_email(smtp, mail_app, thread, login, clock):
    inbox, port = smtp()
    app = mail_app(port)
    client = app.test_client()
    assert "Forgot your password?" in client.get("/signin").get_data(as_text=True)
    for who in ("nobody", "bob"):  # unknown, and an account without an address: the same answer, no mail
        answer = client.post("/forgot", data={"who": who}, follow_redirects=True)
        assert "If that account has an e-mail address" in answer.get_data(as_text=True)
    answer = client.post("/forgot", data={"who": "ANN@example.org"})
    assert answer.status_code == 303
    app.extensions["holdout.mailer"].wait()
    assert [rcpts for rcpts, _ in inbox.messages] == [["ann@example.org"]]
    link = re.search(r"http://localhost(/reset/[A-Za-z0-9_-]+)", inbox.messages[0][1].get_content()).group(1)
    # Asking again at once sends nothing more (no inbox flooding).
    client.post("/forgot", data={"who": "ann"})
    app.extensions["holdout.mailer"].wait()
    assert len(inbox.messages) == 1
    done = client.post(link, data={"password": "a brand new secret", "confirm": "a brand new secret"})
    assert done.status_code == 302
    assert client.get(link).status_code == 410  # one use only
    fresh = app.test_client()
    assert login(fresh, "ann", "a brand new secret").status_code == 302


def test_without_smtp_there_is_no_forgot_page_and_no_outbox(client, thread, login, sessions):
    assert client.get("/forgot").status_code == 404
    assert "Forgot your password?" not in client.get("/signin").get_data(as_text=True)
    _, h = thread
    tid = _start_topic(client, h["ann"])
    _wants_email(client, login, "ann")
    client.post(f"{A}/topics/{tid}/replies", headers=h["bob"], json={"body": "x"})
    with sessions() as s:
        assert s.scalar(select(OutgoingMail)) is None


def test_smtp_settings_are_checked_at_start(monkeypatch, db_url, engine):
    monkeypatch.setenv("HOLDOUT_SMTP_URL", "http://mail.example.org")
    with pytest.raises(ConfigError, match="HOLDOUT_SMTP_URL"):
        create_app({"DATABASE_URL": db_url, "SECRET_KEY": "t"})
    monkeypatch.setenv("HOLDOUT_SMTP_URL", "smtp://user:p%40ss@mail.example.org:587?starttls=1")
    with pytest.raises(ConfigError, match="HOLDOUT_MAIL_FROM"):
        create_app({"DATABASE_URL": db_url, "SECRET_KEY": "t"})
    monkeypatch.setenv("HOLDOUT_MAIL_FROM", "holdout@example.org")
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "t"})
    settings = app.extensions["holdout.mailer"].settings
    assert (settings.host, settings.port, settings.username, settings.password, settings.starttls) == (
        "mail.example.org", 587, "user", "p@ss", True)
    app.extensions["holdout.engine"].dispose()


def test_invitation_finalize_and_disqualification_fan_out(client, people, clock, make_competition, join, submit,
                                                         bearer, login):
    competition = make_competition(people.org)
    for user in (people.alice, people.bob, people.carol):
        join(competition, user)
    alice_sub = submit(competition, people.alice, predictions(0.1))
    bob_sub = submit(competition, people.bob, predictions(0.3))
    submit(competition, people.carol, predictions(0.2))
    h = {name: bearer(getattr(people, name)) for name in ("alice", "bob", "carol", "org")}

    client.post(f"{A}/competitions/house-prices/team/invitations", headers=h["alice"], json={"username": "bob"})
    client.post(f"{A}/competitions/house-prices/team/invitations", headers=h["alice"], json={})  # a link: nobody
    bob = client.get(f"{A}/notifications", headers=h["bob"]).get_json()["notifications"]
    assert [(n["kind"], n["text"]) for n in bob] == [
        ("invitation", "alice invited you to join team alice in House prices")]
    assert bob[0]["path"].startswith("/invitations/")

    org = h["org"]
    client.post(f"{A}/competitions/house-prices/submissions/{bob_sub.id}/disqualify", headers=org,
                json={"reason": "copied predictions"})
    bob = client.get(f"{A}/notifications", headers=h["bob"]).get_json()["notifications"]
    assert bob[0]["text"] == f"Submission #{bob_sub.id} in House prices was disqualified: copied predictions"
    assert client.get(f"{A}/notifications", headers=h["alice"]).get_json()["unread"] == 0

    clock.now = AFTER
    assert client.post(f"{A}/competitions/house-prices/finalize", headers=org).status_code == 200
    texts = {name: client.get(f"{A}/notifications?unread=1", headers=h[name]).get_json()["notifications"][0]["text"]
             for name in ("alice", "bob", "carol")}
    assert texts == {"alice": "House prices is finalized: your team finished #1 of 2.",
                     "bob": "House prices is finalized: your team is not ranked.",
                     "carol": "House prices is finalized: your team finished #2 of 2."}
    assert alice_sub.id

    # The header shows the unread count; the page lists them; opening one marks it read.
    login(client, "alice")
    page = client.get("/").get_data(as_text=True)
    assert 'aria-label="1 unread">1<' in page
    listing = client.get("/notifications").get_data(as_text=True)
    assert "your team finished #1 of 2" in listing
    nid = client.get(f"{A}/notifications", headers=h["alice"]).get_json()["notifications"][0]["id"]
    opened = client.post(f"/notifications/{nid}/open")
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/c/house-prices/leaderboard?board=private")
    assert "unread" not in client.get("/").get_data(as_text=True).split("<main")[0]
    assert client.post("/notifications/999999/open").status_code == 404
