"""The JSON API under /api/v1: the contract for the CLI, notebooks and black-box tests."""
from __future__ import annotations

import json
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request, send_file, url_for

import scoring
from competitions import (
    access,
    audit,
    catalog,
    db,
    drafts,
    hosting,
    leaderboard,
    lifecycle,
    moderation,
    participation,
    progress,
    rescoring,
    selection,
    submitting,
    teams,
    tokens,
)
from competitions.errors import DomainError, JoinRequired, NotFound
from competitions.scorer import MetricFailed, ScoringFailed
from competitions.spec import parse_spec

from .. import board_cache, clock, limits
from ..db import get_session
from ..errors import error_response
from ..input_guard import strict_json_loads
from ..jobs import queue_rescore, queue_scoring
from ..security import csrf
from ..storage import get_storage, open_stored, upload_policy
from .serialize import competition_json, file_json, submission_json

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens, not cookies, authenticate here: there is no session for CSRF to ride.
csrf.exempt(bp)


@bp.errorhandler(JoinRequired)
def _join_required(exc: JoinRequired):
    return error_response(403, exc.code, f"{exc.message} Join with POST /api/v1/competitions/{exc.slug}/join "
                          "(or `holdout join`).", join=f"/api/v1/competitions/{exc.slug}/join")


@bp.errorhandler(ScoringFailed)
def _scoring_failed(exc: ScoringFailed):
    if isinstance(exc, MetricFailed):
        # The competition's metric plugin failed: recorded as 'error' for the organizers, not a server error.
        return error_response(409, "metric_error", exc.problem["message"])
    return error_response(500, "scorer_error", "The scorer failed on this file. It has been logged and "
                          "did not use a submission.")


def _bearer_user():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    session = get_session()
    token, now = token.strip(), clock.now()
    if db.reading(session) and not tokens.token_needs_touch(session, token, now=now):
        return tokens.user_for_token(session, token, now=now)  # nothing to record: no write lock
    with db.write_transaction(session):
        return tokens.user_for_token(session, token, now=now)


@bp.before_request
def _authenticate():
    g.api_user = _bearer_user()
    if request.headers.get("Authorization") and g.api_user is None:
        return limits.refuse_bad_api_token() or error_response(401, "unauthorized",
                                                               "The API token is unknown or revoked.")
    return None


def token_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.api_user is None:
            return error_response(401, "unauthorized", "Send an API token: Authorization: Bearer <token>. "
                                  "Create one on your profile page.")
        return view(*args, **kwargs)

    return wrapped


def _visible(slug: str):
    """The competition if the caller may see it; otherwise 404, so drafts don't leak their existence."""
    competition, _ = catalog.visible_competition(get_session(), slug, g.api_user, clock.now(),
                                                 request.args.get("invite"))
    return competition


def _with_competition(view):
    @wraps(view)
    def wrapped(slug, *args, **kwargs):
        return view(_visible(slug), *args, **kwargs)

    return wrapped


@bp.get("/metrics")
def list_metrics():
    """The metric menu: built-in metrics and installed plugins (``plugin`` names the package)."""
    return jsonify([m.to_dict() for m in scoring.METRICS.values()])


@bp.get("/competitions")
def list_competitions():
    rows = catalog.listed_competitions(get_session(), g.api_user, clock.now())
    return jsonify([competition_json(c, clock.now(), viewer=g.api_user) for c in rows])


@bp.post("/competitions")
@token_required
def create_competition():
    try:
        metadata = strict_json_loads(request.form.get("metadata") or "{}")
    except json.JSONDecodeError as exc:
        raise DomainError(f"metadata is not valid JSON: {exc}", field="metadata") from None
    if not isinstance(metadata, dict):
        raise DomainError("metadata must be a JSON object.", field="metadata")
    solution = request.files.get("solution")
    if solution is None or not solution.filename:
        raise DomainError("Attach the hidden solution file as 'solution'.", field="solution")
    if not metadata.get("group"):
        # A group's hosts need no site role: hosting.create_competition checks them.
        access.require_organizer(g.api_user)
    # "draft": true keeps it unseen until POST .../publish; otherwise it opens at its start, as always.
    draft = metadata.pop("draft", False)
    if not isinstance(draft, bool):
        raise DomainError('"draft" is true or false.', field="draft")
    spec = parse_spec(metadata)
    files = [(f.filename, f.stream) for f in request.files.getlist("files") if f.filename]
    session = get_session()
    created = hosting.create_competition(session, get_storage(), g.api_user, spec, solution.stream, files,
                                         clock.now(), draft=draft)
    session.commit()
    body = competition_json(created.competition, clock.now(), viewer=g.api_user, manager=True)
    body["labels_from"] = created.labels_from
    return jsonify(body), 201


@bp.get("/competitions/<slug>")
@_with_competition
def competition_detail(competition):
    return jsonify(competition_json(competition, clock.now(), viewer=g.api_user, manager=access.is_manager(competition, g.api_user)))


@bp.post("/competitions/<slug>/join")
@token_required
@_with_competition
def join(competition):
    session = get_session()
    team = participation.join(session, competition, g.api_user, clock.now(), invite=request.args.get("invite"))
    session.commit()
    return jsonify({"competition": competition.slug, "team": team.name, "joined": True})


@bp.get("/competitions/<slug>/files")
@_with_competition
def files(competition):
    return jsonify([file_json(f) for f in competition.files])


@bp.get("/competitions/<slug>/files/<name>")
@_with_competition
def download_file(competition, name):
    session = get_session()
    team = participation.team_of(session, competition, g.api_user)
    row = catalog.downloadable_file(session, competition, g.api_user, team, name)
    return send_file(open_stored(row.sha256), download_name=row.name, as_attachment=True,
                     mimetype="text/csv" if row.name.endswith(".csv") else "application/octet-stream")


def _upload():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise DomainError("Attach your predictions as the multipart field 'file'.", field="file")
    return upload


@bp.post("/competitions/<slug>/submissions")
@token_required
@_with_competition
def submit(competition):
    upload = _upload()
    receipt = submitting.submit(get_session(), get_storage(), competition, g.api_user, upload.filename,
                                upload.stream, request.form.get("description", ""), clock.now(), upload_policy())
    if receipt.queued:
        return _queued(competition, receipt)
    session = get_session()
    progress.record(session, get_storage(), competition, receipt.submission, receipt.result)
    session.commit()
    body = submission_json(receipt.submission, reveal_private=False)  # with its feedback, just stored
    body["remaining_today"] = receipt.quota.remaining_today
    body["resets_at"] = receipt.quota.resets_at.isoformat()
    return jsonify(body), 201


def _queued(competition, receipt):
    """202: a large file, scored by a worker. Poll `url` until its status leaves queued/scoring."""
    queue_scoring(receipt.submission.id)
    url = url_for(".get_submission", slug=competition.slug, submission_id=receipt.submission.id, _external=True)
    body = submission_json(receipt.submission, reveal_private=False)
    body.update(url=url, feedback=None, remaining_today=receipt.quota.remaining_today,
                resets_at=receipt.quota.resets_at.isoformat())
    return jsonify(body), 202, {"Location": url}


@bp.post("/competitions/<slug>/validate")
@token_required
@_with_competition
def validate(competition):
    upload = _upload()
    problems = submitting.validate_only(get_session(), get_storage(), competition, g.api_user,
                                        upload.stream, clock.now(), upload_policy())
    return jsonify({"valid": not problems, "problems": problems})


@bp.get("/competitions/<slug>/submissions")
@token_required
@_with_competition
def list_submissions(competition):
    session = get_session()
    reveal = access.sees_private_results(competition, g.api_user)
    if access.is_manager(competition, g.api_user):
        rows = submitting.all_submissions(session, competition)
        return jsonify([submission_json(s, reveal_private=True, with_team=True) for s in rows])
    team = participation.require_team(session, competition, g.api_user)
    return jsonify([submission_json(s, reveal_private=reveal) for s in submitting.team_submissions(session, team)])


@bp.get("/competitions/<slug>/submissions/<int:submission_id>")
@token_required
@_with_competition
def get_submission(competition, submission_id):
    """One submission: its status (queued, scoring, scored, invalid, error) and scores."""
    session = get_session()
    row = submitting.get_submission(session, competition, submission_id)
    if access.is_manager(competition, g.api_user):
        return jsonify(submission_json(row, reveal_private=True, with_team=True))
    team = participation.require_team(session, competition, g.api_user)
    if row.team_id != team.id:
        raise NotFound("No such submission in this competition.")
    return jsonify(submission_json(row, reveal_private=access.sees_private_results(competition, g.api_user)))


@bp.put("/competitions/<slug>/selection")
@token_required
@_with_competition
def select(competition):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "submission_ids" not in body:
        raise DomainError('Send JSON like {"submission_ids": [12, 15]}.', field="submission_ids")
    session = get_session()
    chosen = selection.select_final(session, competition, g.api_user, body["submission_ids"], clock.now())
    session.commit()
    return jsonify({"selected": sorted(s.id for s in chosen)})


@bp.get("/competitions/<slug>/leaderboard")
@_with_competition
def get_leaderboard(competition):
    which = leaderboard.board_name(request.args.get("board"))
    page, per_page = leaderboard.paging(request.args.get("page"), request.args.get("per_page"))
    body = board_cache.board_json(get_session(), competition, which, g.api_user, page, per_page, clock.now())
    return current_app.response_class(body, mimetype="application/json")


@bp.patch("/competitions/<slug>")
@token_required
@_with_competition
def update_competition(competition):
    """Change settings: send only what changes, as JSON. Frozen ones answer 409 after finalize."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError('Send the settings to change as a JSON object, such as {"title": "New title"}.')
    session = get_session()
    spec = parse_spec({**hosting.settings_of(competition), **body})
    hosting.update_competition(session, get_storage(), competition, g.api_user, spec, clock.now())
    session.commit()
    return jsonify(competition_json(competition, clock.now(), viewer=g.api_user, manager=True))


@bp.post("/competitions/<slug>/solution")
@token_required
@_with_competition
def replace_solution(competition):
    """Replace the hidden solution and re-score every submission (the web page previews first)."""
    upload = request.files.get("solution")
    if upload is None or not upload.filename:
        raise DomainError("Attach the new solution file as 'solution'.", field="solution")
    session = get_session()
    now = clock.now()
    preview = rescoring.preview_replacement(session, get_storage(), competition, g.api_user, upload.stream,
                                            request.form.get("public_fraction"), request.form.get("seed"),
                                            secret=current_app.secret_key, now=now)
    new = rescoring.confirm_replacement(session, get_storage(), competition, g.api_user, preview.token, now,
                                        secret=current_app.secret_key, defer=True)
    session.commit()
    queue_rescore(competition.id, new.version, g.api_user.id, new.version - 1 or None)
    return jsonify({"version": new.version, "n_public": new.n_public, "n_private": new.n_private,
                    "n_ignored": new.n_ignored, "rescoring": "queued",
                    "rank_changes": [{"team": r.team, "old_rank": r.old_rank, "new_rank": r.new_rank}
                                     for r in preview.ranks if r.old_rank != r.new_rank]})


def _reason() -> str:
    body = request.get_json(silent=True)
    return str(body.get("reason") or "") if isinstance(body, dict) else ""


@bp.post("/competitions/<slug>/submissions/<int:submission_id>/disqualify")
@token_required
@_with_competition
def disqualify_submission(competition, submission_id):
    session = get_session()
    row = moderation.disqualify_submission(session, competition, g.api_user, submission_id, _reason(), clock.now())
    session.commit()
    return jsonify(submission_json(row, reveal_private=True, with_team=True))


@bp.post("/competitions/<slug>/submissions/<int:submission_id>/reinstate")
@token_required
@_with_competition
def reinstate_submission(competition, submission_id):
    session = get_session()
    row = moderation.reinstate_submission(session, competition, g.api_user, submission_id, clock.now())
    session.commit()
    return jsonify(submission_json(row, reveal_private=True, with_team=True))


@bp.post("/competitions/<slug>/publish")
@token_required
@_with_competition
def publish(competition):
    """Publish a draft: learners see it, and it opens at its start (at once if that has passed)."""
    session = get_session()
    drafts.publish(session, competition, g.api_user, clock.now())
    session.commit()
    return jsonify(competition_json(competition, clock.now(), viewer=g.api_user, manager=True))


@bp.post("/competitions/<slug>/teams/<int:team_id>/disqualify")
@token_required
@_with_competition
def disqualify_team(competition, team_id):
    session = get_session()
    team = moderation.disqualify_team(session, competition, g.api_user, team_id, _reason(), clock.now())
    session.commit()
    return jsonify({"team": team.name, "disqualified": True, "reason": team.disqualified_reason})


@bp.post("/competitions/<slug>/teams/<int:team_id>/reinstate")
@token_required
@_with_competition
def reinstate_team(competition, team_id):
    session = get_session()
    team = moderation.reinstate_team(session, competition, g.api_user, team_id, clock.now())
    session.commit()
    return jsonify({"team": team.name, "disqualified": False})


@bp.post("/competitions/<slug>/finalize")
@token_required
@_with_competition
def finalize(competition):
    session = get_session()
    lifecycle.finalize(session, competition, g.api_user, clock.now())
    session.commit()
    return jsonify(competition_json(competition, clock.now(), viewer=g.api_user, manager=True))


@bp.post("/competitions/<slug>/close")
@token_required
@_with_competition
def close_now(competition):
    session = get_session()
    lifecycle.close_now(session, competition, g.api_user, clock.now())
    session.commit()
    return jsonify(competition_json(competition, clock.now(), viewer=g.api_user, manager=True))


@bp.post("/competitions/<slug>/reopen")
@token_required
@_with_competition
def reopen(competition):
    session = get_session()
    lifecycle.reopen(session, competition, g.api_user, _reason(), clock.now())
    session.commit()
    return jsonify(competition_json(competition, clock.now(), viewer=g.api_user, manager=True))


@bp.get("/competitions/<slug>/audit")
@token_required
@_with_competition
def audit_log(competition):
    rows = audit.entries(get_session(), competition, g.api_user)
    return jsonify([audit.entry_json(e) for e in rows])


def _team_json(view: teams.TeamView) -> dict:
    return {"id": view.team.id, "name": view.team.name,
            "members": [{"username": m.user.username, "joined_at": m.joined_at.isoformat()} for m in view.members],
            "invitations": [invitation_json(i, with_code=True) for i in view.invitations],
            "merge_deadline": view.merge_deadline.isoformat(), "can_merge": view.can_merge,
            "merged_at": view.team.merged_at.isoformat() if view.team.merged_at else None}


def invitation_json(row, *, with_code: bool = False) -> dict:
    body = {"id": row.id, "username": row.invited_user.username if row.invited_user else None,
            "team": row.team.name, "competition": row.competition.slug,
            "invited_by": row.inviter.username if row.inviter else None, "expires_at": row.expires_at.isoformat()}
    if with_code:
        body["code"] = row.code
        body["url"] = url_for("teams.invitation", code=row.code, _external=True)
    return body


@bp.get("/competitions/<slug>/team")
@token_required
@_with_competition
def get_team(competition):
    return jsonify(_team_json(teams.team_view(get_session(), competition, g.api_user, clock.now())))


@bp.patch("/competitions/<slug>/team")
@token_required
@_with_competition
def rename_team(competition):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        raise DomainError('Send JSON like {"name": "Gradient Descenders"}.', field="name")
    session = get_session()
    teams.rename(session, competition, g.api_user, body["name"], clock.now())
    session.commit()
    return jsonify(_team_json(teams.team_view(session, competition, g.api_user, clock.now())))


@bp.post("/competitions/<slug>/team/invitations")
@token_required
@_with_competition
def create_invitation(competition):
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict) or not isinstance(body.get("username") or "", str):
        raise DomainError('Send JSON like {"username": "ada"}, or {} for a link.', field="username")
    session = get_session()
    row = teams.invite(session, competition, g.api_user, clock.now(), username=body.get("username") or None)
    session.commit()
    return jsonify(invitation_json(row, with_code=True)), 201


@bp.delete("/competitions/<slug>/team/members/me")
@token_required
@_with_competition
def leave_team(competition):
    session = get_session()
    teams.leave(session, competition, g.api_user, clock.now())
    session.commit()
    return jsonify(_team_json(teams.team_view(session, competition, g.api_user, clock.now())))


@bp.delete("/competitions/<slug>/teams/<int:team_id>/members/<int:user_id>")
@token_required
@_with_competition
def remove_member(competition, team_id, user_id):
    """Organizers take a member out of a team (before any submission of theirs): a team of one again."""
    session = get_session()
    team = teams.remove_member(session, competition, g.api_user, team_id, user_id, clock.now())
    session.commit()
    return jsonify({"team": team.name, "members": [m.user.username for m in teams.members_of(session, team)]})


@bp.get("/invitations")
@token_required
def my_invitations():
    rows = teams.pending_for(get_session(), g.api_user, clock.now())
    return jsonify([invitation_json(i, with_code=True) for i in rows])


@bp.post("/invitations/<code>/accept")
@token_required
def accept_invitation(code):
    session = get_session()
    team = teams.accept(session, code, g.api_user, clock.now())
    session.commit()
    competition = catalog.get_competition_by_id(session, team.competition_id)
    return jsonify(_team_json(teams.team_view(session, competition, g.api_user, clock.now())))


@bp.post("/invitations/<code>/decline")
@token_required
def decline_invitation(code):
    session = get_session()
    teams.decline(session, code, g.api_user, clock.now())
    session.commit()
    return jsonify({"declined": True})


# Unknown /api/ paths (404) and wrong methods (405) get JSON from webapp.errors, which
# answers every /api/ path in JSON; a catch-all route here would turn every 405 into a 404.

