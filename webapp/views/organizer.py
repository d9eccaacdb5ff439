"""Organizer pages: host, edit, files, solution replacement, moderation, finalize, exports."""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

import scoring
from competitions import (
    access,
    audit,
    catalog,
    exports,
    groups,
    hosting,
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
from ..storage import get_storage, open_stored

bp = Blueprint("organizer", __name__, url_prefix="/organize")


def _metric_choices() -> list[SelectChoice]:
    # Metrics installed as plugins are marked, with the package they come from.
    return [SelectChoice(name, f"{name}{f' [plugin: {m.plugin}]' if m.plugin else ''} — {m.description}")
            for name, m in sorted(scoring.METRICS.items())]


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
    """A stored time for the form, as precise as it is (minutes, seconds, or microseconds),
    so saving the form unchanged never moves a deadline set by "Close now"."""
    if when.microsecond:
        return when.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return when.strftime("%Y-%m-%dT%H:%M:%S" if when.second else "%Y-%m-%dT%H:%M")


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


@bp.route("/new", methods=["GET", "POST"])
@role_required(_may_host)
def new_competition():
    form = NewCompetitionForm()
    form.metric.choices = _metric_choices()
    _group_choices(form)
    status = 200
    if request.method == "GET":
        form.start_at.data = clock.now().strftime("%Y-%m-%dT%H:%M")
        if request.args.get("group"):
            form.group.data = request.args["group"]
            form.visibility.data = "group"
    if form.validate_on_submit():
        session = get_session()
        try:
            spec = _spec_from(form)
            files = [(f.filename, f.stream) for f in form.files.data or [] if getattr(f, "filename", "")]
            created = hosting.create_competition(session, get_storage(), current_user, spec,
                                                 form.solution.data.stream, files, clock.now())
            session.commit()
        except DomainError as exc:
            session.rollback()
            show_on_form(form, exc)
            status = exc.status if exc.status in (409, 403) else 422
        else:
            flash("Competition created.", "success")
            _flash_labels(created)
            return redirect(url_for(".manage", slug=created.competition.slug))
    return render_template("organizer/edit.html", form=form, c=None), (422 if form.errors else status)


def _flash_labels(created) -> None:
    labels = (created.competition.metric_params or {}).get("labels")
    if created.labels_from and labels:
        flash(f"The labels were taken from the {created.labels_from}: {', '.join(labels)}. They are public now. "
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
    return render_template("organizer/edit.html", form=form, c=competition), (422 if form.errors else status)


@bp.route("/<slug>")
@login_required
def manage(slug):
    competition = _managed(slug)
    session = get_session()
    now = clock.now()
    return render_template(
        "organizer/manage.html", c=competition, tab="manage", manager=True, team=None,
        state=competition.state_at(now).value, rows=submitting.all_submissions(session, competition),
        history=catalog.solution_history(session, competition), files_form=FilesForm(),
        solution_form=SolutionForm(), reason_form=ReasonForm(), form=EmptyForm(),
        finalize_blocker=lifecycle.finalize_blocker(competition, now),
        audit_entries=audit.entries(session, competition, current_user), sees_private=True,
        team_rows=teams.teams_with_members(session, competition),
        invite_url=url_for("competitions.overview", slug=competition.slug, invite=competition.invite_token,
                           _external=True))


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
                                            clock.now(), secret=current_app.secret_key)
        session.commit()
        flash(f"Solution version {new.version} installed; every submission was re-scored.", "success")
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
    return redirect(url_for(".manage", slug=slug), 303)


@bp.route("/<slug>/submissions/<int:submission_id>/disqualify", methods=["POST"])
@login_required
@returns_to(".manage", "slug")
def disqualify_submission(slug, submission_id):
    return _moderate(slug, moderation.disqualify_submission, submission_id,
                     f"Submission {submission_id} disqualified.")


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


@bp.route("/<slug>/finalize", methods=["POST"])
@login_required
@returns_to(".manage", "slug")
def finalize(slug):
    competition = _managed(slug)
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
