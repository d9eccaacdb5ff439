"""The JSON API for study groups, seasons and portfolios, on the same /api/v1 blueprint as api.py."""
from __future__ import annotations

from flask import g, jsonify, request, url_for

from competitions import groups, portfolios, seasons
from competitions.errors import DomainError

from .. import clock
from ..db import get_session
from .api import bp, token_required


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError("Send a JSON object.")
    return body


def _optional_text(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise DomainError(f"{name} must be text.", field=name)
    return value


def group_json(view: groups.GroupView, *, with_counts: bool = True) -> dict:
    group = view.group
    body = {"slug": group.slug, "name": group.name, "description": group.description_md,
            "visibility": group.visibility, "created_at": group.created_at.isoformat(), "role": view.role}
    if view.manages:
        body["invite_code"] = group.invite_code
        body["invite_url"] = url_for("groups.join_link", slug=group.slug, code=group.invite_code, _external=True)
    return body


def _view(slug: str) -> groups.GroupView:
    return groups.visible_group(get_session(), slug, g.api_user)


@bp.get("/groups")
def list_groups():
    session = get_session()
    rows = groups.listed_groups(session, g.api_user)
    return jsonify([group_json(groups.visible_group(session, r.slug, g.api_user)) for r in rows])


@bp.post("/groups")
@token_required
def create_group():
    body = _body()
    session = get_session()
    group = groups.create_group(session, g.api_user, str(body.get("slug") or ""), str(body.get("name") or ""),
                                str(body.get("description") or ""), str(body.get("visibility") or "public"),
                                clock.now())
    session.commit()
    return jsonify(group_json(groups.visible_group(session, group.slug, g.api_user))), 201


@bp.get("/groups/<slug>")
def group_detail(slug):
    return jsonify(group_json(_view(slug)))


@bp.patch("/groups/<slug>")
@token_required
def update_group(slug):
    body = _body()
    session = get_session()
    view = _view(slug)
    groups.update_group(session, view.group, g.api_user, name=_optional_text(body, "name"),
                        description=_optional_text(body, "description"),
                        visibility=_optional_text(body, "visibility"))
    if body.get("rotate_invite_code"):
        groups.rotate_code(session, view.group, g.api_user)
    session.commit()
    return jsonify(group_json(_view(slug)))


@bp.post("/groups/<slug>/join")
@token_required
def join_group(slug):
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        raise DomainError('Send JSON like {"code": "..."} with the invite code.', field="code")
    session = get_session()
    member = groups.join_by_code(session, slug, g.api_user, str(body.get("code") or ""), clock.now())
    session.commit()
    return jsonify({"group": slug.lower(), "username": g.api_user.username, "role": member.role})


@bp.get("/groups/<slug>/members")
def group_members(slug):
    view = _view(slug)
    session = get_session()
    return jsonify([{"username": m.user.username, "role": m.role, "joined_at": m.joined_at.isoformat()}
                    for m in groups.members(session, view.group)])


@bp.put("/groups/<slug>/members/<username>")
@token_required
def set_member_role(slug, username):
    body = _body()
    session = get_session()
    view = _view(slug)
    member = groups.set_role(session, view.group, g.api_user, username, str(body.get("role") or ""), clock.now())
    session.commit()
    return jsonify({"username": member.user.username, "role": member.role})


@bp.delete("/groups/<slug>/members/<username>")
@token_required
def remove_group_member(slug, username):
    session = get_session()
    view = _view(slug)
    groups.remove_member(session, view.group, g.api_user, username)
    session.commit()
    return jsonify({"removed": username})


@bp.get("/groups/<slug>/seasons")
def list_seasons(slug):
    view = _view(slug)
    return jsonify([seasons.season_json(s, clock.now()) for s in seasons.seasons_of(get_session(), view.group)])


@bp.post("/groups/<slug>/seasons")
@token_required
def create_season(slug):
    body = _body()
    session = get_session()
    view = _view(slug)
    season = seasons.create_season(session, view.group, g.api_user, _optional_text(body, "name"), body.get("start"),
                                   body.get("end"), clock.now())
    session.commit()
    return jsonify(seasons.season_json(season, clock.now())), 201


@bp.post("/groups/<slug>/seasons/<int:season_id>/close")
@token_required
def close_season(slug, season_id):
    session = get_session()
    view = _view(slug)
    season = seasons.close_season(session, seasons.get_season(session, view.group, season_id), g.api_user,
                                  clock.now())
    session.commit()
    return jsonify(seasons.season_json(season, clock.now()))


@bp.get("/groups/<slug>/seasons/<int:season_id>/standings")
def season_standings(slug, season_id):
    session = get_session()
    view = _view(slug)
    season = seasons.get_season(session, view.group, season_id)
    entries = seasons.standings(session, season, g.api_user, clock.now())
    return jsonify({"season": seasons.season_json(season, clock.now()), "entries": [e.to_dict() for e in entries]})


@bp.get("/users/<username>")
def user_portfolio(username):
    folio = portfolios.portfolio(get_session(), username, g.api_user, clock.now())
    return jsonify(folio.to_dict())


