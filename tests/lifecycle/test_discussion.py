"""The Discussion tab: who may read, post, edit, delete, hide, pin and vote; sanitizing; rate limits."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from lifecycle_support import DURING

from competitions import catalog, discussion
from competitions.errors import Forbidden, RateLimited
from competitions.models import Notification

A = "/api/v1"
XSS_TITLE = '<img src=x onerror="alert(1)">Title'
XSS_BODY = ('Hi <script>alert(1)</script> [click](javascript:alert(2)) <a href="https://e.org" onclick="alert(3)">e</a>'
            ' <iframe src="https://e.org"></iframe>\n\n```python\nprint("<b>x</b>")\n```\n')


@pytest.fixture
def forum(app, people, clock, make_competition, join, bearer):
    """house-prices, open; alice and bob joined; carol did not; org owns it."""
    competition = make_competition(people.org)
    join(competition, people.alice)
    join(competition, people.bob)
    return {"alice": bearer(people.alice), "bob": bearer(people.bob), "carol": bearer(people.carol),
            "org": bearer(people.org), "org2": bearer(people.org2), "admin": bearer(people.admin), "anon": {}}


def _topic(client, headers, title="How is RMSE computed?", body="On the log price?", **extra):
    return client.post(f"{A}/competitions/house-prices/topics", headers=headers,
                       json={"title": title, "body": body, **extra})


def test_who_may_post_read_and_vote(client, forum):
    # Anyone who can see the competition reads; only joined learners, its organizer and admins post.
    statuses = {who: _topic(client, h, title=f"by {who}").status_code for who, h in forum.items()}
    assert statuses == {"alice": 201, "bob": 201, "carol": 403, "org": 201, "org2": 403, "admin": 201,
                        "anon": 401}
    listed = client.get(f"{A}/competitions/house-prices/topics").get_json()
    assert {t["title"] for t in listed} == {"by alice", "by bob", "by org", "by admin"}
    topic = next(t for t in listed if t["title"] == "by alice")
    detail = client.get(f"{A}/topics/{topic['id']}").get_json()
    assert detail["author"] == "alice" and detail["team"] == "alice" and detail["replies_list"] == []

    pid = topic["post"]["id"]
    votes = {who: client.post(f"{A}/posts/{pid}/vote", headers=h).status_code for who, h in forum.items()}
    # Not on your own post; not without joining.
    assert votes == {"alice": 403, "bob": 200, "carol": 403, "org": 200, "org2": 403, "admin": 200, "anon": 401}
    # One vote per user: a second is a no-op; removing it takes it back.
    assert client.post(f"{A}/posts/{pid}/vote", headers=forum["bob"]).get_json()["votes"] == 3
    assert client.delete(f"{A}/posts/{pid}/vote", headers=forum["bob"]).get_json()["votes"] == 2
    by_votes = client.get(f"{A}/competitions/house-prices/topics?sort=votes").get_json()
    assert by_votes[0]["title"] == "by alice"
    assert client.get(f"{A}/competitions/house-prices/topics?sort=nonsense").status_code == 400


def test_replies_edit_delete_hide_and_pin(client, forum, clock):
    tid = _topic(client, forum["alice"]).get_json()["id"]
    clock.now = DURING + timedelta(minutes=5)
    reply = client.post(f"{A}/topics/{tid}/replies", headers=forum["bob"], json={"body": "Yes, on the log."})
    assert reply.status_code == 201
    rid = reply.get_json()["id"]
    assert client.post(f"{A}/topics/{tid}/replies", headers=forum["carol"], json={"body": "x"}).status_code == 403
    # Newest activity first: the reply bumped alice's topic above a newer one.
    clock.now = DURING + timedelta(minutes=1)
    _topic(client, forum["bob"], title="Second")
    clock.now = DURING + timedelta(minutes=10)
    client.post(f"{A}/topics/{tid}/replies", headers=forum["org"], json={"body": "Confirmed."})
    assert [t["title"] for t in client.get(f"{A}/competitions/house-prices/topics").get_json()] == [
        "How is RMSE computed?", "Second"]

    # Only the author edits; an "edited" mark follows.
    assert client.patch(f"{A}/posts/{rid}", headers=forum["alice"], json={"body": "hijack"}).status_code == 403
    assert client.patch(f"{A}/posts/{rid}", headers=forum["org"], json={"body": "hijack"}).status_code == 403
    edited = client.patch(f"{A}/posts/{rid}", headers=forum["bob"], json={"body": "Yes: log price."})
    assert edited.status_code == 200 and edited.get_json()["edited_at"] is not None
    # Deleting replaces the text; replies stay.
    opening = client.get(f"{A}/topics/{tid}").get_json()["post"]["id"]
    assert client.delete(f"{A}/posts/{opening}", headers=forum["bob"]).status_code == 403
    gone = client.delete(f"{A}/posts/{opening}", headers=forum["alice"]).get_json()
    assert gone["deleted"] is True and gone["body"] is None
    detail = client.get(f"{A}/topics/{tid}").get_json()
    assert len(detail["replies_list"]) == 2 and detail["replies_list"][0]["body"] == "Yes: log price."
    # Organizers and admins hide, with a reason.
    for who, status in (("alice", 403), ("org2", 403), ("carol", 403)):
        assert client.post(f"{A}/posts/{rid}/hide", headers=forum[who], json={"reason": "spam"}).status_code == status
    assert client.post(f"{A}/posts/{rid}/hide", headers=forum["org"], json={}).status_code == 400
    hidden = client.post(f"{A}/posts/{rid}/hide", headers=forum["admin"], json={"reason": "off topic"}).get_json()
    assert hidden["hidden"] and hidden["hidden_reason"] == "off topic" and hidden["body"] is None
    # Pinning is for organizers; a pinned topic leads the list.
    second = [t for t in client.get(f"{A}/competitions/house-prices/topics").get_json() if t["title"] == "Second"][0]
    assert client.put(f"{A}/topics/{second['id']}/pin", headers=forum["bob"], json={"pinned": True}).status_code == 403
    assert client.put(f"{A}/topics/{second['id']}/pin", headers=forum["org"], json={"pinned": True}).status_code == 200
    assert client.get(f"{A}/competitions/house-prices/topics").get_json()[0]["title"] == "Second"


def test_unlisted_and_draft_discussions_stay_hidden(client, people, clock, make_competition, bearer):
    make_competition(people.org, slug="secret", visibility="unlisted")
    alice = bearer(people.alice)
    org = bearer(people.org)
    tid = client.post(f"{A}/competitions/secret/topics", headers=org, json={"title": "t", "body": "b"}).get_json()["id"]
    assert client.get(f"{A}/competitions/secret/topics", headers=alice).status_code == 404
    assert client.get(f"{A}/topics/{tid}", headers=alice).status_code == 404
    assert client.post(f"{A}/topics/{tid}/replies", headers=alice, json={"body": "x"}).status_code == 404
    post_id = client.get(f"{A}/topics/{tid}", headers=org).get_json()["post"]["id"]
    assert client.post(f"{A}/posts/{post_id}/vote", headers=alice).status_code == 404
    assert client.get(f"/c/secret/discussion/{tid}").status_code == 404


def test_posting_is_rate_limited_per_user(client, forum, clock):
    tid = _topic(client, forum["alice"]).get_json()["id"]
    for i in range(discussion.RATE_LIMIT_POSTS - 1):
        clock.now = DURING + timedelta(seconds=30 * (i + 1))
        assert client.post(f"{A}/topics/{tid}/replies", headers=forum["alice"], json={"body": f"{i}"}).status_code == 201
    refused = client.post(f"{A}/topics/{tid}/replies", headers=forum["alice"], json={"body": "one more"})
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["error"] == "rate_limited" and "Please wait" in body["message"]
    # The oldest of the ten (at DURING) leaves the window at DURING + 10 min: 10 min - 4.5 min from now.
    assert body["retry_after"] == 331 and refused.headers["Retry-After"] == "331"
    # Others are not limited by alice's posts; alice can post again once the window moves on.
    assert client.post(f"{A}/topics/{tid}/replies", headers=forum["bob"], json={"body": "me"}).status_code == 201
    clock.now = DURING + timedelta(minutes=10, seconds=1)
    assert client.post(f"{A}/topics/{tid}/replies", headers=forum["alice"], json={"body": "ok"}).status_code == 201


def test_the_web_form_answers_429_with_the_message(client, forum, clock, login, sessions, people):
    login(client, "alice")
    for i in range(discussion.RATE_LIMIT_POSTS):
        response = client.post("/c/house-prices/discussion/new", data={"title": f"t{i}", "body": "b"})
        assert response.status_code == 303
    refused = client.post("/c/house-prices/discussion/new", data={"title": "again", "body": "b"})
    assert refused.status_code == 429 and "Please wait" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"]


def test_domain_rules_refuse_directly(sessions, forum, people, clock):
    with sessions() as s:
        c = catalog.get_competition(s, "house-prices")
        alice, carol = s.merge(people.alice), s.merge(people.carol)
        with pytest.raises(Forbidden):
            discussion.create_topic(s, c, carol, "t", "b", DURING, is_member=False)
        with pytest.raises(Forbidden):
            discussion.create_topic(s, c, alice, "t", "b", DURING, is_member=True, announcement=True)
        topic = discussion.create_topic(s, c, alice, "t", "b", DURING, is_member=True)
        with pytest.raises(Forbidden):
            discussion.vote(s, c, topic.posts[0], alice, DURING, is_member=True)
        for _ in range(discussion.RATE_LIMIT_POSTS - 1):
            discussion.reply(s, c, alice, topic.id, "r", DURING, is_member=True)
        with pytest.raises(RateLimited):
            discussion.reply(s, c, alice, topic.id, "r", DURING, is_member=True)


def test_announcements_notify_joined_learners_and_replies_notify_authors(client, forum, sessions, clock):
    assert _topic(client, forum["alice"], announcement=True).status_code == 403
    announced = _topic(client, forum["org"], title="Data fix", body="train.csv was updated", announcement=True)
    assert announced.status_code == 201 and announced.get_json()["pinned"] and announced.get_json()["announcement"]
    for who in ("alice", "bob"):
        rows = client.get(f"{A}/notifications", headers=forum[who]).get_json()["notifications"]
        assert [(n["kind"], n["text"]) for n in rows] == [("announcement", "Announcement in House prices: Data fix")]
    assert client.get(f"{A}/notifications", headers=forum["carol"]).get_json()["notifications"] == []
    assert client.get(f"{A}/notifications", headers=forum["org"]).get_json()["notifications"] == []

    tid = _topic(client, forum["alice"]).get_json()["id"]
    first = client.post(f"{A}/topics/{tid}/replies", headers=forum["bob"], json={"body": "Log."}).get_json()
    # Replying to bob's reply tells bob (the post's author) and alice (the topic's), each once.
    client.post(f"{A}/topics/{tid}/replies", headers=forum["org"], json={"body": "Yes", "parent_id": first["id"]})
    # Replying to oneself notifies nobody.
    client.post(f"{A}/topics/{tid}/replies", headers=forum["alice"], json={"body": "Thanks"})
    alice = client.get(f"{A}/notifications?unread=1", headers=forum["alice"]).get_json()
    assert [n["text"] for n in alice["notifications"] if n["kind"] == "reply"] == [
        "org replied in “How is RMSE computed?” (House prices)", "bob replied in “How is RMSE computed?” (House prices)"]
    assert alice["unread"] == 3
    bob = client.get(f"{A}/notifications", headers=forum["bob"]).get_json()["notifications"]
    assert [n["kind"] for n in bob] == ["reply", "announcement"] and bob[0]["path"].startswith(f"/c/house-prices/discussion/{tid}#post-")
    # Marking read: some, then all; only one's own.
    ids = [n["id"] for n in alice["notifications"]]
    assert client.post(f"{A}/notifications/read", headers=forum["bob"], json={"ids": ids}).get_json()["marked"] == 0
    assert client.post(f"{A}/notifications/read", headers=forum["alice"], json={"ids": ids[:1]}).get_json() == {
        "marked": 1, "unread": 2}
    assert client.post(f"{A}/notifications/read", headers=forum["alice"], json={"all": True}).get_json()["unread"] == 0
    assert client.post(f"{A}/notifications/read", headers=forum["alice"], json={}).status_code == 400
    with sessions() as s:
        assert s.query(Notification).count() == 5  # 2 announcements, 3 replies


def test_markdown_is_sanitized_and_links_marked(client, forum, login):
    tid = _topic(client, forum["alice"], title=XSS_TITLE, body=XSS_BODY).get_json()["id"]
    login(client, "bob")
    for path in ("/c/house-prices/discussion", f"/c/house-prices/discussion/{tid}"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script>alert|<iframe|<img src=x", html)
        assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html)  # no event handler attribute on any tag
        assert not re.search(r"href=\"?javascript:", html)
    html = client.get(f"/c/house-prices/discussion/{tid}").get_data(as_text=True)
    assert '<a href="https://e.org" rel="nofollow ugc noopener">e</a>' in html
    assert '<div class="codehilite">' in html and '<span class="nb">print</span>' in html
    assert "&lt;img src=x" in html  # the title is text


def test_web_pages_and_forms(client, forum, login, clock):
    assert client.get("/c/house-prices/discussion").status_code == 200
    assert client.get("/c/house-prices/discussion/new").status_code == 302  # sign in first
    login(client, "alice")
    page = client.get("/c/house-prices/discussion").get_data(as_text=True)
    assert "New topic" in page and 'href="/c/house-prices/discussion"' in page
    empty = client.post("/c/house-prices/discussion/new", data={"title": "", "body": ""})
    assert empty.status_code == 422 and "A title is 1 to 200 characters." in empty.get_data(as_text=True)
    made = client.post("/c/house-prices/discussion/new", data={"title": "Feature idea", "body": "Try **logs**"})
    assert made.status_code == 303
    topic_path = made.headers["Location"]
    page = client.get(topic_path).get_data(as_text=True)
    assert "<strong>logs</strong>" in page and "Edit</a>" in page
    tid = int(topic_path.rsplit("/", 1)[1])
    empty_reply = client.post(f"/c/house-prices/discussion/{tid}/replies", data={"body": " "})
    assert empty_reply.status_code == 422 and "the post is empty" in empty_reply.get_data(as_text=True)
    other = client.application.test_client()
    login(other, "bob")
    assert other.post(f"/c/house-prices/discussion/{tid}/replies", data={"body": "Nice"}).status_code == 303
    pid = client.get(f"{A}/topics/{tid}").get_json()["post"]["id"]
    assert other.post(f"/c/house-prices/discussion/{tid}/posts/{pid}/vote", data={}).status_code == 303
    assert "▲ 1" in client.get(topic_path).get_data(as_text=True)
    # Bob cannot edit or delete alice's post; alice edits it and the mark shows.
    assert other.get(f"/c/house-prices/discussion/{tid}/posts/{pid}/edit").status_code == 403
    assert other.post(f"/c/house-prices/discussion/{tid}/posts/{pid}/delete").status_code == 403
    edited = client.post(f"/c/house-prices/discussion/{tid}/posts/{pid}/edit", data={"title": "Feature ideas",
                                                                                      "body": "Try logs."})
    assert edited.status_code == 303
    page = client.get(topic_path).get_data(as_text=True)
    assert "Feature ideas" in page and ">edited<" in page
    assert client.post(f"/c/house-prices/discussion/{tid}/posts/{pid}/delete").status_code == 303
    page = client.get(topic_path).get_data(as_text=True)
    assert "deleted" in page and "Nice" in page
    # The organizer's hide form needs a reason: a message on the topic page.
    owner = client.application.test_client()
    login(owner, "org")
    reply_id = client.get(f"{A}/topics/{tid}").get_json()["replies_list"][0]["id"]
    no_reason = owner.post(f"/c/house-prices/discussion/{tid}/posts/{reply_id}/hide", data={"reason": ""})
    assert no_reason.status_code == 303
    assert "Give a reason" in owner.get(topic_path).get_data(as_text=True)
    assert owner.post(f"/c/house-prices/discussion/{tid}/posts/{reply_id}/hide",
                      data={"reason": "spoiler"}).status_code == 303
    assert "Hidden by a moderator: spoiler" in client.get(topic_path).get_data(as_text=True)
    assert owner.post(f"/c/house-prices/discussion/{tid}/pin", data={"pinned": "1"}).status_code == 303
    assert ">pinned<" in client.get("/c/house-prices/discussion").get_data(as_text=True)


def test_values_of_the_wrong_type_are_refused_not_stored(client, forum):
    """Found by review: a list title was stored as its repr, and "false" pinned a topic."""
    listed = client.post(f"{A}/competitions/house-prices/topics", headers=forum["alice"],
                         json={"title": ["x"], "body": "b"})
    assert listed.status_code == 400 and listed.get_json()["field"] == "title"
    tid = _topic(client, forum["org"]).get_json()["id"]
    refused = client.put(f"{A}/topics/{tid}/pin", headers=forum["org"], json={"pinned": "false"})
    assert refused.status_code == 400 and refused.get_json()["field"] == "pinned"
    topics = client.get(f"{A}/competitions/house-prices/topics").get_json()
    assert [t["pinned"] for t in topics] == [False]
