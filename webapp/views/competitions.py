"""Learner-facing pages: browse, join, download, submit, history, leaderboards."""
from __future__ import annotations

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask import session as cookie
from flask_login import current_user, login_required

from competitions import (
    access,
    catalog,
    data_zip,
    db,
    leaderboard,
    participation,
    progress,
    quota,
    selection,
    standings,
    submitting,
    teams,
    writeups,
)
from competitions.errors import NotFound, QuotaExceeded
from competitions.scorer import MetricFailed, ScoringFailed

from .. import board_cache, board_page, clock
from ..charts_progress import progress_chart
from ..db import get_session
from ..errors import returns_to
from ..forms import EmptyForm, JoinForm, SubmitForm
from ..jobs import queue_scoring
from ..storage import get_storage, open_stored, upload_policy
from .serialize import submission_json

bp = Blueprint("competitions", __name__)


def _user():
    return current_user if current_user.is_authenticated else None


def load_visible(slug: str):
    """The competition, its viewer's team and whether they manage it; 404 if they may not see it."""
    invite = request.args.get("invite")
    if invite:
        cookie[f"invite:{slug.lower()}"] = invite  # remembered so the join form works
    invite = invite or cookie.get(f"invite:{slug.lower()}")
    competition, team = catalog.visible_competition(get_session(), slug, _user(), clock.now(), invite)
    return competition, team, access.is_manager(competition, _user()), invite


def _context(competition, team, manager, tab: str, **extra) -> dict:
    return {"c": competition, "team": team, "manager": manager, "tab": tab,
            "state": competition.state_at(clock.now()).value,
            "sees_private": access.sees_private_results(competition, _user()), **extra}


@bp.route("/")
def index():
    now = clock.now()
    session = get_session()
    rows = catalog.listed_competitions(session, _user(), now)
    return render_template("competitions/index.html", competitions=rows, now=now,
                           teams=catalog.team_counts(session, rows))


def _invitations_for(competition) -> list:
    """The viewer's pending team invitations in this competition (none for anonymous viewers)."""
    user = _user()
    return teams.pending_for(get_session(), user, clock.now(), competition) if user else []


@bp.route("/c/<slug>")
def overview(slug):
    competition, team, manager, _ = load_visible(slug)
    return render_template("competitions/overview.html", form=JoinForm(), invitations=_invitations_for(competition),
                           **_context(competition, team, manager, "overview"))


@bp.route("/c/<slug>/join", methods=["POST"])
@login_required
@returns_to(".overview", "slug")
def join(slug):
    competition, team, manager, invite = load_visible(slug)
    form = JoinForm()
    if not form.validate_on_submit():
        return render_template("competitions/overview.html", form=form, invitations=_invitations_for(competition),
                               **_context(competition, team, manager, "overview")), 422
    session = get_session()
    participation.join(session, competition, current_user, clock.now(), invite=invite)
    session.commit()
    flash("You joined. Good luck!", "success")
    return redirect(url_for(".submit", slug=competition.slug))


@bp.route("/c/<slug>/data")
def data(slug):
    competition, team, manager, _ = load_visible(slug)
    return render_template("competitions/data.html", form=JoinForm(),
                           may_download=access.may_download_data(competition, _user(), is_member=team is not None),
                           **_context(competition, team, manager, "data"))


@bp.route("/c/<slug>/files/<name>")
def download(slug, name):
    competition, team, _, _ = load_visible(slug)
    row = catalog.downloadable_file(get_session(), competition, _user(), team, name)
    return send_stored(row.sha256, row.name)


@bp.route("/c/<slug>/data.zip")
def download_all(slug):
    """Every data file in one zip, streamed from storage (competitions/data_zip.py): the same access
    rule as one file. The file list is read now; the response then needs no database."""
    competition, team, _, _ = load_visible(slug)
    rows = catalog.downloadable_files(competition, _user(), team)
    members = [data_zip.Member(f.name, f.sha256, f.size, f.created_at) for f in rows]
    for m in members:  # a file housekeeping removed is a clear 404 before the first byte, not a broken zip
        open_stored(m.sha256).close()
    return Response(data_zip.stream_zip(get_storage(), members), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{competition.slug}-data.zip"'})


def send_stored(sha256: str, name: str):
    """A stored file as a download under its own name."""
    mimetype = "text/csv" if name.endswith(".csv") else "application/octet-stream"
    return send_file(open_stored(sha256), download_name=name, as_attachment=True, mimetype=mimetype)


def _which() -> str:
    return leaderboard.board_name(request.args.get("board"))


@bp.route("/c/<slug>/leaderboard")
def board(slug):
    competition, team, manager, _ = load_visible(slug)
    which, now = _which(), clock.now()
    page = board_page.page_number(request.args.get("page"))
    entries = board_cache.board_entries(get_session(), competition, which, _user(), now)
    links = writeups.team_ids_with_writeups(get_session(), competition) if which == "private" else {}
    return render_template("competitions/leaderboard.html", board=which,
                           **board_page.context(get_session(), competition, _user(), entries, which, team, page, links, now),
                           **_context(competition, team, manager, "leaderboard"))


@bp.route("/c/<slug>/leaderboard.csv")
def board_csv(slug):
    competition, _, _, _ = load_visible(slug)
    which = _which()
    body = board_cache.board_csv(get_session(), competition, which, _user(), clock.now())
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{competition.slug}-{which}-leaderboard.csv"'})


@bp.route("/c/<slug>/submit", methods=["GET", "POST"])
@login_required
def submit(slug):
    competition, team, manager, _ = load_visible(slug)
    if team is None:
        flash("Join the competition to submit.", "info")
        return redirect(url_for(".overview", slug=competition.slug))
    form = SubmitForm()
    problems, status = None, 200
    if form.validate_on_submit() and request.form.get("action") == "validate":
        problems = _validate_only(competition, form.file.data)  # a dry run: no score, no quota, no record
        status = 422 if problems else 200
    elif form.validate_on_submit():
        upload = form.file.data
        try:
            receipt = submitting.submit(get_session(), get_storage(), competition, current_user, upload.filename,
                                        upload.stream, form.description.data or "", clock.now(), upload_policy())
        except submitting.InvalidSubmission as exc:
            problems, status = exc.problems, 422
        except (QuotaExceeded, submitting.StorageBudgetExceeded) as exc:
            flash(exc.message, "error")
            status = 429
        except MetricFailed as exc:  # the competition's metric plugin failed: recorded for the organizers
            flash(exc.problem["message"], "error")
            status = 409
        except ScoringFailed:
            flash("The scorer failed on this file. It has been logged and did not use a submission.", "error")
            status = 500
        else:
            if receipt.queued:
                return _queued(competition, receipt.submission)
            _record_feedback(competition, receipt.submission, receipt.result)
            flash(_scored_message(receipt.submission), "success")
            return redirect(url_for(".my_submissions", slug=competition.slug))
    elif form.errors:
        status = 422
    view = quota.quota_view(get_session(), competition, team, clock.now())
    return render_template("competitions/submit.html", form=form, problems=problems, quota=view,
                           spent=quota.spent_today(view),
                           **_context(competition, team, manager, "submit")), status


def _validate_only(competition, upload) -> list[dict]:
    problems = submitting.validate_only(get_session(), get_storage(), competition, current_user,
                                        upload.stream, clock.now(), upload_policy())
    if not problems:
        flash("No problems found: this file would be scored. Nothing was kept and no submission was used.",
              "success")
    return problems


def _record_feedback(competition, submission, result=None) -> None:
    """The upload's feedback (rank, comparison with the team's best), computed once when it is scored."""
    session = get_session()
    progress.record(session, get_storage(), competition, submission, result)
    session.commit()


def _queued(competition, submission):
    """A large file: its job is queued now that the row is committed; My submissions shows its status."""
    queue_scoring(submission.id)
    flash(f"Queued: {submission.file_name} is large, so it is scored in the background; its row below "
          "updates when it is done. It holds one of today's submissions meanwhile, given back if the file "
          "turns out invalid.", "info")
    return redirect(url_for(".my_submissions", slug=competition.slug))


def _scored_message(submission) -> str:
    late = " It was submitted after the deadline, so it is not ranked." if submission.is_late else ""
    return f"Scored: public score {submission.public_score:.5f}.{late}"


@bp.route("/c/<slug>/submissions")
@login_required
def my_submissions(slug):
    competition, team, manager, _ = load_visible(slug)
    if team is None:
        return redirect(url_for(".overview", slug=competition.slug))
    session = get_session()
    rows = submitting.team_submissions(session, team)
    pending = progress.missing_feedback(rows)
    if pending is not None:  # scored by a background job since: its feedback is computed once, here
        feedback = progress.assess(session, get_storage(), competition, pending)
        with db.write_transaction(session):
            pending.feedback = feedback
    rank, teams, rank_board = progress.current_rank(session, competition, team)
    points = progress.timeline(competition, rows)
    return render_template("competitions/submissions.html", rows=rows, form=EmptyForm(),
                           can_select=competition.state_at(clock.now()).value == "open",
                           latest=rows[0] if rows else None, feedback_lines=progress.sentences,
                           rank=rank, ranked_teams=teams, rank_board=rank_board, points=points,
                           chart=progress_chart(points, standings.greater_is_better(competition)),
                           **_context(competition, team, manager, "submissions"))


@bp.route("/c/<slug>/selection", methods=["POST"])
@login_required
@returns_to(".my_submissions", "slug")
def select(slug):
    competition, team, manager, _ = load_visible(slug)
    if not EmptyForm().validate_on_submit():
        flash("The form had expired. Reload the page and try again.", "error")
        return redirect(url_for(".my_submissions", slug=competition.slug), 303)
    ids = request.form.getlist("submission_ids")
    session = get_session()
    selection.select_final(session, competition, current_user, ids, clock.now())
    session.commit()
    flash("Final selection saved." if ids else "Selection cleared: your best submissions will count.", "success")
    return redirect(url_for(".my_submissions", slug=competition.slug), 303)


@bp.route("/c/<slug>/submissions/<int:submission_id>/status")
@login_required
def submission_status(slug, submission_id):
    """One submission's status and its freshly rendered row, polled by static/submission-status.js."""
    competition, team, manager, _ = load_visible(slug)
    row = submitting.get_submission(get_session(), competition, submission_id)
    if not manager and (team is None or row.team_id != team.id):
        raise NotFound("No such submission in this competition.")
    sees_private = access.sees_private_results(competition, _user())
    html = render_template("competitions/_submission_row.html", s=row, c=competition, sees_private=sees_private,
                           can_select=team is not None and competition.state_at(clock.now()).value == "open")
    body = submission_json(row, reveal_private=sees_private)
    body.update(final=row.status not in ("queued", "scoring"), row_html=html)
    return jsonify(body)


@bp.route("/c/<slug>/submissions/<int:submission_id>/file")
@login_required
def submission_file(slug, submission_id):
    competition, team, manager, _ = load_visible(slug)
    row = submitting.get_submission(get_session(), competition, submission_id)
    if not manager and (team is None or row.team_id != team.id):
        raise NotFound("No such submission in this competition.")
    return send_stored(row.file_sha256, row.file_name)
