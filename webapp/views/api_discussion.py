"""/api/v1 routes for discussion, write-ups and notifications, on the API's own blueprint."""
from __future__ import annotations

from flask import g, jsonify, request

from competitions import catalog, discussion, notifications, writeups
from competitions.errors import DomainError, NotFound

from .. import clock
from ..db import get_session
from .api import _visible, _with_competition, bp, token_required


def _iso(value):
    return value.isoformat() if value is not None else None


def post_json(view: discussion.PostView) -> dict:
    p = view.post
    return {"id": p.id, "author": view.author, "team": view.team, "parent_id": p.parent_id,
            "body": view.body_md, "created_at": _iso(p.created_at), "edited_at": _iso(p.edited_at),
            "deleted": p.deleted_at is not None, "hidden": p.hidden_at is not None,
            "hidden_reason": p.hidden_reason, "votes": p.votes, "voted": view.voted,
            "can_edit": view.can_edit, "can_vote": view.can_vote, "can_hide": view.can_hide}


def topic_json(topic, title: str, opening: discussion.PostView) -> dict:
    return {"id": topic.id, "title": title, "pinned": topic.pinned, "announcement": topic.announcement,
            "created_at": _iso(topic.created_at), "last_activity_at": _iso(topic.last_activity_at),
            "replies": topic.reply_count, "votes": opening.post.votes, "author": opening.author,
            "team": opening.team, "post": post_json(opening)}


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError("Send a JSON object.")
    return body


def _text(body: dict, name: str) -> str:
    """A text field of the JSON body: missing is empty; any other type is the caller's mistake."""
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DomainError(f"{name} must be text.", field=name)
    return value


def _flag(body: dict, name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise DomainError(f"{name} must be true or false.", field=name)
    return value


def _is_member(competition) -> bool:
    return discussion.is_member(get_session(), competition, g.api_user)


def _topic_and_competition(topic_id: int):
    """The topic if the caller may see its competition; 404 otherwise, never naming the competition."""
    topic = get_session().get(discussion.Topic, topic_id)
    if topic is None:
        raise NotFound("No such topic.")
    try:
        return topic, _visible(topic.competition.slug)
    except NotFound:
        raise NotFound("No such topic.") from None


def _post_and_competition(post_id: int):
    """The post if the caller may see its competition; 404 otherwise, as for a post that does not exist."""
    session = get_session()
    post = discussion.get_post(session, post_id)
    competition = post.topic.competition
    try:
        catalog.visible_competition(session, competition.slug, g.api_user, clock.now(), request.args.get("invite"))
    except NotFound:
        raise NotFound("No such post.") from None
    return post, competition


def _topic_detail(competition, topic_id: int) -> dict:
    view = discussion.topic_view(get_session(), competition, topic_id, g.api_user, is_member=_is_member(competition))
    body = topic_json(view.topic, view.title, view.posts[0])
    body["replies_list"] = [post_json(p) for p in view.posts[1:]]
    return body


@bp.get("/competitions/<slug>/topics")
@_with_competition
def list_topics(competition):
    rows = discussion.list_topics(get_session(), competition, g.api_user, is_member=_is_member(competition),
                                  sort=request.args.get("sort", "activity"))
    return jsonify([topic_json(t.topic, t.title, t.opening) for t in rows])


@bp.post("/competitions/<slug>/topics")
@token_required
@_with_competition
def create_topic(competition):
    body = _body()
    session = get_session()
    topic = discussion.create_topic(session, competition, g.api_user, _text(body, "title"),
                                    _text(body, "body"), clock.now(), is_member=_is_member(competition),
                                    announcement=_flag(body, "announcement", False))
    session.commit()
    return jsonify(_topic_detail(competition, topic.id)), 201


@bp.get("/topics/<int:topic_id>")
def get_topic(topic_id):
    _, competition = _topic_and_competition(topic_id)
    return jsonify(_topic_detail(competition, topic_id))


@bp.post("/topics/<int:topic_id>/replies")
@token_required
def create_reply(topic_id):
    session = get_session()
    topic, competition = _topic_and_competition(topic_id)
    body = _body()
    post = discussion.reply(session, competition, g.api_user, topic_id, _text(body, "body"), clock.now(),
                            is_member=_is_member(competition), parent_id=body.get("parent_id"))
    session.commit()
    view = next(p for p in discussion.topic_view(session, competition, topic_id, g.api_user,
                                                 is_member=_is_member(competition)).posts if p.post.id == post.id)
    return jsonify(post_json(view)), 201


def _one_post_json(competition, post) -> dict:
    view = discussion.topic_view(get_session(), competition, post.topic_id, g.api_user,
                                 is_member=_is_member(competition))
    return post_json(next(p for p in view.posts if p.post.id == post.id))


@bp.patch("/posts/<int:post_id>")
@token_required
def edit_post(post_id):
    post, competition = _post_and_competition(post_id)
    body = _body()
    session = get_session()
    title = body.get("title")
    discussion.edit_post(session, post, g.api_user, _text(body, "body"), clock.now(),
                         title=str(title) if title is not None else None)
    session.commit()
    return jsonify(_one_post_json(competition, post))


@bp.delete("/posts/<int:post_id>")
@token_required
def delete_post(post_id):
    post, competition = _post_and_competition(post_id)
    session = get_session()
    discussion.delete_post(session, post, g.api_user, clock.now())
    session.commit()
    return jsonify(_one_post_json(competition, post))


@bp.post("/posts/<int:post_id>/hide")
@token_required
def hide_post(post_id):
    post, competition = _post_and_competition(post_id)
    session = get_session()
    discussion.hide_post(session, competition, post, g.api_user, str(_body().get("reason") or ""), clock.now())
    session.commit()
    return jsonify(_one_post_json(competition, post))


@bp.post("/posts/<int:post_id>/vote")
@token_required
def vote(post_id):
    post, competition = _post_and_competition(post_id)
    session = get_session()
    discussion.vote(session, competition, post, g.api_user, clock.now(), is_member=_is_member(competition))
    session.commit()
    return jsonify({"id": post.id, "votes": post.votes, "voted": True})


@bp.delete("/posts/<int:post_id>/vote")
@token_required
def unvote(post_id):
    post, competition = _post_and_competition(post_id)
    session = get_session()
    discussion.unvote(session, competition, post, g.api_user)
    session.commit()
    return jsonify({"id": post.id, "votes": post.votes, "voted": False})


@bp.put("/topics/<int:topic_id>/pin")
@token_required
def pin(topic_id):
    session = get_session()
    topic, competition = _topic_and_competition(topic_id)
    discussion.set_pinned(session, competition, topic_id, g.api_user, _flag(_body(), "pinned", True))
    session.commit()
    return jsonify({"id": topic.id, "pinned": topic.pinned})


# --- write-ups ---------------------------------------------------------------------------------


def writeup_json(w, rank: int | None = None) -> dict:
    return {"id": w.id, "team": w.team.name, "rank": rank, "title": w.title, "body": w.body_md,
            "submission_id": w.submission_id, "links": w.links or [], "author": w.author.username if w.author else None,
            "members": [m.user.username for m in w.team.members],
            "created_at": _iso(w.created_at), "updated_at": _iso(w.updated_at)}


@bp.get("/competitions/<slug>/writeups")
@_with_competition
def list_writeups(competition):
    return jsonify([writeup_json(s.writeup, s.rank) for s in writeups.solutions(get_session(), competition)])


@bp.put("/competitions/<slug>/writeup")
@token_required
@_with_competition
def put_writeup(competition):
    body = _body()
    session = get_session()
    row = writeups.publish(session, competition, g.api_user, title=_text(body, "title"),
                           body=_text(body, "body"), submission_id=body.get("submission_id"),
                           links=body.get("links"), now=clock.now())
    session.commit()
    rank = next((s.rank for s in writeups.solutions(session, competition) if s.writeup.id == row.id), None)
    return jsonify(writeup_json(row, rank))


# --- notifications -----------------------------------------------------------------------------


def notification_json(n) -> dict:
    return {"id": n.id, "kind": n.kind, "text": n.text, "path": n.path,
            "competition": n.competition.slug if n.competition else None,
            "created_at": _iso(n.created_at), "read": n.read_at is not None}


@bp.get("/notifications")
@token_required
def list_notifications():
    session = get_session()
    rows = notifications.list_for(session, g.api_user, unread_only=request.args.get("unread") in ("1", "true"))
    return jsonify({"unread": notifications.unread_count(session, g.api_user),
                    "notifications": [notification_json(n) for n in rows]})


@bp.post("/notifications/read")
@token_required
def read_notifications():
    body = _body()
    if body.get("all") is True:
        ids = None
    elif isinstance(body.get("ids"), list):
        ids = body["ids"]
    else:
        raise DomainError('Send {"ids": [1, 2]} or {"all": true}.', field="ids")
    session = get_session()
    changed = notifications.mark_read(session, g.api_user, clock.now(), ids)
    session.commit()
    return jsonify({"marked": changed, "unread": notifications.unread_count(session, g.api_user)})
