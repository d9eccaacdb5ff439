"""Organizer pages: host, edit, files, solution replacement, moderation, finalize, exports."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

import scoring
from competitions import (
    access,
    audit,
    catalog,
    drafts,
    exports,
    groups,
    hosting,
    kept_uploads,
    lifecycle,
    moderation,
    rescoring,
    solutions,
    submitting,
    teams,
)
from competitions.errors import DomainError, NotFound
from competitions.spec import parse_spec

from .. import clock
from ..auth import role_required
from ..db import get_session
from ..errors import returns_to, show_on_form
from ..forms import (
    CompetitionForm,
    ConfirmSolutionForm,
    EmptyForm,
    FilesForm,
    NewCompetitionForm,
    ReasonForm,
    ReopenForm,
    SolutionForm,
)
from ..input_guard import strict_json_loads
from ..jobs import queue_rescore
from ..storage import get_storage, open_stored

bp = Blueprint("organizer", __name__, url_prefix="/organize")


# The metric menu's groups, by the registry's task kind, in the order organizers look for them.
METRIC_GROUPS = {"binary": "Binary classification", "multiclass": "Multiclass classification",
                 "multilabel": "Multi-label classification", "regression": "Regression",
                 "multilabel-ranking": "Ranking"}


def _metric_choices() -> list[SelectChoice]:
    """Grouped by task, each with its direction and one-line description; plugins name their package."""
    order = list(METRIC_GROUPS)
    metrics = sorted(scoring.METRICS.values(),
                     key=lambda m: (order.index(m.kind) if m.kind in order else len(order), m.name))
    return [SelectChoice(m.name, f"{m.name}{f' [plugin: {m.plugin}]' if m.plugin else ''} — "
                                 f"{'higher' if m.greater_is_better else 'lower'} is better — {m.description}",
                         render_kw={"data-direction": "higher is better" if m.greater_is_better
                                    else "lower is better", "data-description": m.description},
                         optgroup=METRIC_GROUPS.get(m.kind, m.kind))
            for m in metrics]


SPEC_FIELDS = ("title", "slug", "subtitle", "description_md", "rules_md", "metric", "id_column", "start_at",
               "deadline_at", "daily_limit", "total_limit", "final_selections", "max_team_size",
               "team_merger_deadline", "visibility", "public_fraction", "seed", "sample_submission", "test_file",
               "data_open", "labels", "group", "practice")


def _spec_from(form: CompetitionForm):
    data = {name: getattr(form, name).data for name in SPEC_FIELDS}
    raw = (form.metric_params.data or "").strip()
    try:
        data["metric_params"] = strict_json_loads(raw) if raw else {}
    except json.JSONDecodeError:
        raise DomainError('Metric parameters must be JSON, such as {"k": 5}.', field="metric_params") from None
    return parse_spec(data)


def _form_time(when) -> str:
    """A time for the form, to the second at most: what a date-time picker holds (a value with
    microseconds is one it refuses, and shows empty). See _keep_unchanged_times."""
    return when.strftime("%Y-%m-%dT%H:%M:%S" if when.second or when.microsecond else "%Y-%m-%dT%H:%M")


def _keep_unchanged_times(form: CompetitionForm, competition) -> None:
    """A time sent back as the form showed it keeps its stored precision, so saving the form
    unchanged never moves a deadline stored to the microsecond (by "Close now" or the API), nor
    writes a deadline entry in the audit log."""
    for name in DATE_FIELDS:
        stored, field = getattr(competition, name, None), getattr(form, name)
        if stored is not None and field.data == _form_time(stored):
            field.data = stored.strftime("%Y-%m-%dT%H:%M:%S.%f")


DATE_FIELDS = ("start_at", "deadline_at", "team_merger_deadline")
# The most a browser's offset from UTC can be, in minutes (UTC-12 .. UTC+14, with room).
MAX_OFFSET = 18 * 60


def _utc_text(value: str | None, offset: str | None) -> str:
    """A date-time picker's local value as naive UTC text. ``offset`` is the browser's
    Date.getTimezoneOffset() at that moment (minutes, UTC minus local); without it (no
    JavaScript) the value already is UTC, as the form says. Text that is no date is left for
    parse_spec to refuse with its own message."""
    if isinstance(value, datetime):  # not posted: the stored value, which is UTC
        return _form_time(value.astimezone(timezone.utc))
    text = (value or "").strip()
    try:
        minutes = int(offset or "")
        local = datetime.fromisoformat(text)
    except ValueError:
        return text
    if local.tzinfo is not None or abs(minutes) > MAX_OFFSET:
        return text
    try:
        return _form_time(local + timedelta(minutes=minutes))
    except OverflowError:
        return text


def _dates_to_utc(form: CompetitionForm) -> None:
    """Turn the posted local times into UTC, so the form shows UTC again on an error (organizer.js
    shows it in local time once more) and the spec gets UTC."""
    for name in DATE_FIELDS:
        field, offset = getattr(form, name), getattr(form, f"{name}_tz")
        field.data = _utc_text(field.data, offset.data)
        offset.data = ""


def _managed(slug: str):
    # NotFound and Forbidden become 404 and 403 pages in webapp.errors.
    competition = catalog.get_competition(get_session(), slug)
    access.require_manager(competition, current_user)
    return competition


def _group_choices(form: CompetitionForm, current=None) -> None:
    """The groups this user hosts for (and the competition's own, kept when editing)."""
    hosted = groups.hosted_groups(get_session(), current_user)
    if current is not None and current.id not in {g.id for g in hosted}:
        hosted.append(current)
    form.group.choices = [SelectChoice("", "— none —")] + [SelectChoice(g.slug, g.name) for g in hosted]


def _may_host(user) -> bool:
    """Site organizers, and the owners and organizers of a study group (for that group)."""
    return user.can_organize or bool(groups.hosted_groups(get_session(), user))


MAX_KEPT_FILES = 50


def _keep_uploads(form: NewCompetitionForm) -> dict:
    """Store what this post uploaded, or find what earlier posts kept: {"solution": [...], "files": [...]},
    each a list of KeptUpload rows. Files chosen now replace the kept ones of their field."""
    session, storage, now = get_session(), get_storage(), clock.now()
    secret = current_app.secret_key
    kept_uploads.purge_expired(session, now)
    chosen = {"solution": [form.solution.data] if getattr(form.solution.data, "filename", "") else [],
              "files": [f for f in form.files.data or [] if getattr(f, "filename", "")]}
    kept = {}
    for name, uploads in chosen.items():
        tokens = request.form.getlist(f"kept_{name}")[:MAX_KEPT_FILES]
        earlier = kept_uploads.resolve(session, current_user, name, tokens, secret, now)
        fresh = [kept_uploads.keep(session, storage, current_user, name, f.filename, f.stream, now) for f in uploads]
        if name == "solution":
            kept[name] = fresh or earlier
        else:
            # A data file chosen now replaces the kept one of the same name; the other kept files stay,
            # so correcting test.csv never loses train.csv.
            replaced = {row.name for row in fresh}
            kept[name] = [row for row in earlier if row.name not in replaced] + fresh
    # Committed before the competition is tried, so a refusal (rolled back) keeps them.
    session.commit()
    return kept


def _kept_view(kept: dict) -> dict:
    """What the template shows and re-sends: (name, size, token) per kept file."""
    secret = current_app.secret_key
    return {name: [(row.name, row.size, kept_uploads.token_for(row, secret)) for row in rows]
            for name, rows in kept.items()}


@bp.route("/new", methods=["GET", "POST"])
@role_required(_may_host)
def new_competition():
    """The host form. A new competition is saved as a draft; files survive another field's error."""
    form = NewCompetitionForm()
    form.metric.choices = _metric_choices()
    _group_choices(form)
    status = 200
    kept = {"solution": [], "files": []}
    if request.method == "GET":
        start = clock.now().replace(second=0, microsecond=0)
        form.start_at.data = _form_time(start)
        form.deadline_at.data = _form_time(start + timedelta(days=30))
        if request.args.get("group"):
            form.group.data = request.args["group"]
            form.visibility.data = "group"
    else:
        _dates_to_utc(form)
    valid = form.validate_on_submit()
    if request.method == "POST" and "csrf_token" not in form.errors:
        kept = _keep_uploads(form)
        if not kept["solution"]:
            form.solution.errors = list(form.solution.errors) + ["Upload the solution file."]
            valid = False
    if valid:
        session, storage = get_session(), get_storage()
        handles = []
        try:
            spec = _spec_from(form)
            solution = storage.open(kept["solution"][0].sha256)
            handles.append(solution)
            files = []
            for row in kept["files"]:
                handles.append(storage.open(row.sha256))
                files.append((row.name, handles[-1]))
            created = hosting.create_competition(session, storage, current_user, spec, solution, files,
                                                 clock.now(), draft=True)
            kept_uploads.discard(session, kept["solution"] + kept["files"])
            session.commit()
        except DomainError as exc:
            session.rollback()
            show_on_form(form, exc)
            status = exc.status if exc.status in (409, 403) else 422
        else:
            flash("Saved as a draft: only you and admins can see it. Check it, then publish it.", "success")
            _flash_labels(created)
            return redirect(url_for(".manage", slug=created.competition.slug))
        finally:
            for handle in handles:
                handle.close()
    return render_template("organizer/edit.html", form=form, c=None, kept=_kept_view(kept),
                           dates=_date_view(form)), (422 if form.errors else status)


def _date_view(form: CompetitionForm) -> dict:
    """Per date field: its UTC value as ISO with a zone (for organizer.js), or "" when it is no date."""
    out = {}
    for name in DATE_FIELDS:
        try:
            when = datetime.fromisoformat((getattr(form, name).data or "").strip())
        except ValueError:
            out[name] = ""
            continue
        out[name] = when.replace(tzinfo=timezone.utc).isoformat() if when.tzinfo is None else when.isoformat()
    return out


def _flash_labels(created) -> None:
    labels = (created.competition.metric_params or {}).get("labels")
    if created.labels_from and labels:
        flash(f"The labels were taken from the {created.labels_from}: {', '.join(labels)}. Learners see them once the competition is published. "
              "Check that the list is complete: a label missing from the test rows must still be declared, or "
              "learners cannot predict it. Correct them in the settings until the first submission.", "info")


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug):
    competition = _managed(slug)
    form = CompetitionForm(obj=competition)
    form.metric.choices = _metric_choices()
    _group_choices(form, competition.group)
    status = 200
    if request.method == "GET":
        form.group.data = competition.group.slug if competition.group_id else ""
        params = dict(competition.metric_params or {})
        form.labels.data = ", ".join(params.pop("labels", []))
        form.metric_params.data = json.dumps(params)
        form.start_at.data = _form_time(competition.start_at)
        form.deadline_at.data = _form_time(competition.deadline_at)
        # Empty means the default (7 days before the deadline), which then follows the deadline.
        form.team_merger_deadline.data = (_form_time(competition.team_merger_deadline)
                                          if competition.team_merger_deadline else "")
    else:
        _dates_to_utc(form)
        _keep_unchanged_times(form, competition)
    if form.validate_on_submit():
        session = get_session()
        try:
            hosting.update_competition(session, get_storage(), competition, current_user, _spec_from(form),
                                       clock.now())
            session.commit()
        except DomainError as exc:
            session.rollback()
            show_on_form(form, exc)
            status = exc.status if exc.status in (409, 403) else 422
        else:
            flash("Saved.", "success")
            return redirect(url_for(".manage", slug=competition.slug))
    return render_template("organizer/edit.html", form=form, c=competition, kept=None,
                           dates=_date_view(form)), (422 if form.errors else status)


def _table_filter(team_ids: set[int]) -> tuple[moderation.SubmissionFilter, int]:
    """The Manage table's filters from the query string; a value that makes no sense is left out."""
    args = request.args
    team = args.get("team", "")
    team_id = int(team) if team.isdigit() and int(team) in team_ids else None
    status = args.get("status") if args.get("status") in moderation.STATUS_FILTERS else None
    try:
        day = date.fromisoformat(args.get("day", ""))
    except ValueError:
        day = None
    page = args.get("page", "1")
    return moderation.SubmissionFilter(team_id, status, day), int(page) if page.isdigit() else 1


@bp.route("/<slug>")
@login_required
def manage(slug):
    competition = _managed(slug)
    session = get_session()
    now = clock.now()
    team_rows = teams.teams_with_members(session, competition)
    wanted, page = _table_filter({t.id for t, _ in team_rows})
    table = moderation.submissions_page(session, competition, wanted, page)
    return render_template(
        "organizer/manage.html", c=competition, tab="manage", manager=True, team=None, now=now,
        state=competition.state_at(now).value, table=table, wanted=wanted,
        status_filters=moderation.STATUS_FILTERS,
        history=catalog.solution_history(session, competition), files_form=FilesForm(),
        solution_form=SolutionForm(), reason_form=ReasonForm(), form=EmptyForm(),
        finalize_blocker=lifecycle.finalize_blocker(competition, now),
        publish_blocker=drafts.publish_blocker(competition, now),
        timeline=drafts.timeline(competition, now),
        audit_entries=audit.entries(session, competition, current_user), sees_private=True,
        team_rows=team_rows,
        invite_url=url_for("competitions.overview", slug=competition.slug, invite=competition.invite_token,
                           _external=True))


def _page_args(slug: str) -> dict:
    """The manage page's filters and page, kept across a moderation action."""
    args = {k: v for k, v in request.args.items() if k in ("team", "status", "day", "page")}
    return {"slug": slug, **args}


def _confirm(competition, **page) -> str:
    """A confirmation page that works without JavaScript."""
    now = clock.now()
    return render_template("organizer/confirm.html", c=competition, tab="manage", manager=True, team=None,
                           state=competition.state_at(now).value, **page)


@bp.route("/<slug>/publish", methods=["POST"])
@login_required
@returns_to(".manage", "slug")
def publish(slug):
    competition = _managed(slug)
    if EmptyForm().validate_on_submit():
        session = get_session()
        drafts.publish(session, competition, current_user, clock.now())
        session.commit()
        opens = "now" if competition.start_at <= clock.now() else "at its start"
        flash(f"Published: learners can see it, and it opens {opens}.", "success")
    return redirect(url_for(".manage", slug=slug), 303)


@bp.route("/<slug>/delete", methods=["GET", "POST"])
@login_required
@returns_to(".manage", "slug")
def delete_draft(slug):
    """Delete a draft, after a confirmation page."""
    competition = _managed(slug)
    form = EmptyForm()
    if not form.validate_on_submit():
        return _confirm(competition, heading=f"Delete the draft {competition.title}?",
                        text="Its settings, data files and solution are removed for good. "
                             "Nobody else has seen it, so nothing else changes.",
                        action=url_for(".delete_draft", slug=slug), button="Yes, delete the draft",
                        form=form, blocker=None if drafts.is_unpublished(competition) else
                        "This competition is published: only a draft can be deleted.")
    session = get_session()
    title = competition.title
    drafts.delete_draft(session, competition, current_user)
    session.commit()
    flash(f"Deleted the draft {title}.", "info")
    return redirect(url_for("competitions.index"), 303)


@bp.route("/<slug>/files", methods=["POST"])
@login_required
@returns_to(".manage", "slug")
def add_files(slug):
    competition = _managed(slug)
    form = FilesForm()
    if not form.validate_on_submit():
        flash("Choose at least one file.", "error")
        return redirect(url_for(".manage", slug=slug), 303)
    session = get_session()
    for f in form.files.data:
        hosting.add_file(session, get_storage(), competition, f.filename, f.stream, clock.now())
    session.commit()
    flash("Files saved.", "success")
    return redirect(url_for(".manage", slug=slug), 303)


@bp.route("/<slug>/files/<name>/delete", methods=["POST"])
@login_required
@returns_to(".manage", "slug")
def delete_file(slug, name):
    competition = _managed(slug)
    if EmptyForm().validate_on_submit():
        session = get_session()
        hosting.remove_file(session, competition, name)
        session.commit()
        flash(f"Removed {name}.", "info")
    return redirect(url_for(".manage", slug=slug), 303)


@bp.route("/<slug>/solution")
@login_required
def download_solution(slug):
    competition = _managed(slug)
    current = solutions.current_solution(get_session(), competition)
    if current is None:
        raise NotFound("This competition has no solution file.")
    return send_file(open_stored(current.sha256), as_attachment=True,
                     download_name=f"{competition.slug}-solution-v{current.version}.csv")


@bp.route("/<slug>/solution/preview", methods=["POST"])
@login_required
@returns_to(".manage", "slug")
def preview_solution(slug):
    competition = _managed(slug)
    form = SolutionForm()
    if not form.validate_on_submit():
        flash("Choose the new solution file.", "error")
        return redirect(url_for(".manage", slug=slug), 303)
    preview = rescoring.preview_replacement(get_session(), get_storage(), competition, current_user,
                                            form.solution.data.stream, form.public_fraction.data, form.seed.data,
                                            secret=current_app.secret_key, now=clock.now())
    confirm = ConfirmSolutionForm(token=preview.token)
    return render_template("organizer/preview.html", c=competition, preview=preview, form=confirm)


@bp.route("/<slug>/solution/confirm", methods=["POST"])
@login_required
@returns_to(".manage", "slug")
def confirm_solution(slug):
    competition = _managed(slug)
    form = ConfirmSolutionForm()
    if form.validate_on_submit():
        session = get_session()
        new = rescoring.confirm_replacement(session, get_storage(), competition, current_user, form.token.data,
                                            clock.now(), secret=current_app.secret_key, defer=True)
        session.commit()
        queue_rescore(competition.id, new.version, current_user.id, new.version - 1 or None)
        flash(f"Solution version {new.version} installed; every submission is being re-scored in the "
              "background. Scores and boards change when that is done (the audit log records it).", "success")
    return redirect(url_for(".manage", slug=slug), 303)


def _moderate(slug: str, action, target_id: int, done: str, needs_reason: bool = True):
    """Run one moderation use case from a form post, then go back to the manage page."""
    competition = _managed(slug)
    form = ReasonForm() if needs_reason else EmptyForm()
    if form.validate_on_submit():
        session = get_session()
        args = (form.reason.data,) if needs_reason else ()
        action(session, competition, current_user, target_id, *args, clock.now())
        session.commit()
        flash(done, "info")
    else:
        errors = [e for messages in form.errors.values() for e in messages]
        flash(errors[0] if errors and "reason" in form.errors else "Give a reason; the team will see it.", "error")
    return redirect(url_for(".manage", **_page_args(slug)), 303)


@bp.route("/<slug>/submissions/<int:submission_id>/disqualify", methods=["GET", "POST"])
@login_required
@returns_to(".manage", "slug")
def disqualify_submission(slug, submission_id):
    """POST disqualifies; GET is the page that asks for the reason when JavaScript (the dialog) is off."""
    if request.method == "GET":
        competition = _managed(slug)
        row = submitting.get_submission(get_session(), competition, submission_id)
        return _confirm(competition, heading=f"Disqualify submission {row.id}?",
                        text=f"Team {row.team.name}, sent {row.created_at:%Y-%m-%d %H:%M} UTC by "
                             f"{row.user.username}. It stops counting for the team's standing; the team sees "
                             "the reason. You can reinstate it until the competition is finalized.",
                        action=url_for(".disqualify_submission", **_page_args(slug), submission_id=row.id),
                        button="Disqualify", form=ReasonForm(), reason=True,
                        blocker=("Already disqualified: " + row.disqualified_reason) if row.disqualified_reason
                        else "This competition is finalized: its disqualifications can no longer change."
                        if competition.finalized_at else None)
    return _moderate(slug, moderation.disqualify_submission, submission_id,
                     f"Submission {submission_id} disqualified.")


@bp.route("/<slug>/submissions/<int:submission_id>/reinstate", methods=["POST"])
@login_required
@returns_to(".manage", "slug")
def reinstate_submission(slug, submission_id):
    return _moderate(slug, moderation.reinstate_submission, submission_id,
                     f"Submission {submission_id} reinstated.", needs_reason=False)


@bp.route("/<slug>/teams/<int:team_id>/disqualify", methods=["POST"])
@login_required
@returns_to(".manage", "slug")
def disqualify_team(slug, team_id):
    return _moderate(slug, moderation.disqualify_team, team_id, "Team disqualified.")


@bp.route("/<slug>/teams/<int:team_id>/reinstate", methods=["POST"])
@login_required
@returns_to(".manage", "slug")
def reinstate_team(slug, team_id):
    return _moderate(slug, moderation.reinstate_team, team_id, "Team reinstated.", needs_reason=False)


@bp.route("/<slug>/teams/<int:team_id>/members/<int:user_id>/remove", methods=["POST"])
@login_required
@returns_to(".manage", "slug")
def remove_member(slug, team_id, user_id):
    """Take a member out of a team (dissolving a merge); refused once they have submissions in it."""
    competition = _managed(slug)
    if EmptyForm().validate_on_submit():
        session = get_session()
        new_team = teams.remove_member(session, competition, current_user, team_id, user_id, clock.now())
        session.commit()
        flash(f"Member removed: they are now on their own, as team {new_team.name}.", "info")
    return redirect(url_for(".manage", slug=slug), 303)


@bp.route("/<slug>/finalize", methods=["GET", "POST"])
@login_required
@returns_to(".manage", "slug")
def finalize(slug):
    """A confirmation page first (it works without JavaScript), then the results are frozen."""
    competition = _managed(slug)
    if request.method == "GET":
        return _confirm(competition, heading="Finalize and reveal the private leaderboard?",
                        text="Everyone sees the private leaderboard, and the results freeze: the solution, the "
                             "metric, the deadline, the limits and the disqualifications can no longer change. "
                             "Only an admin can reopen it, with a reason.",
                        action=url_for(".finalize", slug=slug), button="Yes, finalize", form=EmptyForm(),
                        blocker=lifecycle.finalize_blocker(competition, clock.now()))
    if EmptyForm().validate_on_submit():
        session = get_session()
        lifecycle.finalize(session, competition, current_user, clock.now())
        session.commit()
        flash("Finalized: the private leaderboard is now public.", "success")
    return redirect(url_for(".manage", slug=slug), 303)


@bp.route("/<slug>/close", methods=["GET", "POST"])
@login_required
@returns_to(".manage", "slug")
def close_now(slug):
    """A confirmation page first (it works without JavaScript), then the deadline becomes now."""
    competition = _managed(slug)
    form = EmptyForm()
    if not form.validate_on_submit():
        return render_template("organizer/close.html", is_open=competition.state_at(clock.now()).value == "open", c=competition, form=form, tab="manage", manager=True,
                               team=None, state=competition.state_at(clock.now()).value)
    session = get_session()
    lifecycle.close_now(session, competition, current_user, clock.now())
    session.commit()
    flash("Closed: the deadline is now. Later submissions are scored but not ranked.", "success")
    return redirect(url_for(".manage", slug=slug), 303)


@bp.route("/<slug>/reopen", methods=["POST"])
@login_required
@returns_to(".manage", "slug")
def reopen(slug):
    competition = _managed(slug)
    form = ReopenForm()
    if not form.validate_on_submit():
        flash("Say why the competition is reopened, in at most 1,000 characters; the audit log keeps it.",
              "error")
        return redirect(url_for(".manage", slug=slug), 303)
    session = get_session()
    lifecycle.reopen(session, competition, current_user, form.reason.data, clock.now())
    session.commit()
    flash("Reopened: the results may change again until it is finalized anew.", "success")
    return redirect(url_for(".manage", slug=slug), 303)


@bp.route("/<slug>/submissions.csv")
@login_required
def submissions_csv(slug):
    competition = _managed(slug)
    rows = submitting.all_submissions(get_session(), competition)
    return Response(exports.submissions_csv(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{slug}-submissions.csv"'})
