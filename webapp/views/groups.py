"""Study group pages: the list, creating one, the group page, joining, members and seasons."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competitions import groups, seasons
from competitions.errors import DomainError

from .. import clock
from ..charts import sparkline
from ..db import get_session
from ..errors import returns_to, show_on_form
from ..forms import EmptyForm
from ..group_forms import GroupForm, GroupSettingsForm, RoleForm, SeasonForm

bp = Blueprint("groups", __name__)


def _user():
    return current_user if current_user.is_authenticated else None


@bp.route("/groups", methods=["GET", "POST"])
def index():
    session = get_session()
    form = GroupForm()
    status = 200
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.signin", next=request.path))
        if form.validate_on_submit():
            try:
                group = groups.create_group(session, current_user, form.slug.data, form.name.data,
                                            form.description.data, form.visibility.data, clock.now())
                session.commit()
            except DomainError as exc:
                session.rollback()
                show_on_form(form, exc)
                status = 422
            else:
                flash("Group created. Share its invite link with your study group.", "success")
                return redirect(url_for(".page", slug=group.slug), 303)
        else:
            status = 422
    rows = groups.listed_groups(session, _user())
    return render_template("groups/index.html", groups=rows, form=form), status


def _standings_context(view, season):
    session = get_session()
    entries = seasons.standings(session, season, _user(), clock.now()) if season else []
    return {"season": season, "entries": entries, "sparkline": sparkline}


@bp.route("/g/<slug>")
def page(slug):
    session = get_session()
    view = groups.visible_group(session, slug, _user())
    now = clock.now()
    group = view.group
    season = seasons.current_season(session, group, now)
    return render_template(
        "groups/page.html", view=view, g_=group, now=now,
        members=groups.members(session, group), competitions=groups.competitions_of(session, group, _user(), now),
        seasons=seasons.seasons_of(session, group), requests=groups.pending_requests(session, group, _user()),
        requested=groups.has_requested(session, group, _user()), form=EmptyForm(), role_form=RoleForm(),
        season_form=SeasonForm(), invite_url=url_for(".join_link", slug=group.slug, code=group.invite_code,
                                                     _external=True) if view.manages else None,
        **_standings_context(view, season))


@bp.route("/g/<slug>/seasons/<int:season_id>")
def season(slug, season_id):
    session = get_session()
    view = groups.visible_group(session, slug, _user())
    chosen = seasons.get_season(session, view.group, season_id)
    return render_template("groups/season.html", view=view, g_=view.group, now=clock.now(),
                           all_seasons=seasons.seasons_of(session, view.group), **_standings_context(view, chosen))


@bp.route("/g/<slug>/join/<code>", methods=["GET", "POST"])
@login_required
def join_link(slug, code):
    """The invite link: a page with a button (a GET never changes anything), then the join."""
    session = get_session()
    if request.method == "POST" and EmptyForm().validate_on_submit():
        groups.join_by_code(session, slug, current_user, code, clock.now())
        session.commit()
        flash("Welcome to the group.", "success")
        return redirect(url_for(".page", slug=slug.lower()), 303)
    group = groups.check_invite(session, slug, current_user, code)
    return render_template("groups/join.html", g_=group, code=code, form=EmptyForm())


@bp.route("/g/<slug>/request", methods=["POST"])
@login_required
@returns_to(".page", "slug")
def request_join(slug):
    session = get_session()
    view = groups.visible_group(session, slug, current_user)
    if EmptyForm().validate_on_submit():
        groups.request_to_join(session, view.group, current_user, clock.now())
        session.commit()
        flash("Request sent: an owner of the group will answer it.", "success")
    return redirect(url_for(".page", slug=slug), 303)


@bp.route("/g/<slug>/requests/<username>/<answer>", methods=["POST"])
@login_required
@returns_to(".page", "slug")
def answer_request(slug, username, answer):
    session = get_session()
    view = groups.visible_group(session, slug, current_user)
    if answer not in ("approve", "decline"):
        return redirect(url_for(".page", slug=slug), 303)
    if EmptyForm().validate_on_submit():
        groups.answer_request(session, view.group, current_user, username, answer == "approve", clock.now())
        session.commit()
        flash(f"{username} is now a member." if answer == "approve" else f"Declined {username}'s request.", "info")
    return redirect(url_for(".page", slug=slug), 303)


def _flash_form_errors(form) -> None:
    """A small form posted from the group page: say what was wrong there, not nothing."""
    for name, errors in form.errors.items():
        label = getattr(getattr(form, name, None), "label", None)
        flash(f"{label.text if label else name}: {errors[0]}", "error")


@bp.route("/g/<slug>/members/<username>/role", methods=["POST"])
@login_required
@returns_to(".page", "slug")
def set_role(slug, username):
    session = get_session()
    view = groups.visible_group(session, slug, current_user)
    form = RoleForm()
    if form.validate_on_submit():
        groups.set_role(session, view.group, current_user, username, form.role.data, clock.now())
        session.commit()
        flash(f"{username} is now {form.role.data}.", "success")
    else:
        _flash_form_errors(form)
    return redirect(url_for(".page", slug=slug), 303)


@bp.route("/g/<slug>/members/<username>/remove", methods=["POST"])
@login_required
@returns_to(".page", "slug")
def remove_member(slug, username):
    session = get_session()
    view = groups.visible_group(session, slug, current_user)
    if EmptyForm().validate_on_submit():
        groups.remove_member(session, view.group, current_user, username)
        session.commit()
        if username.lower() == current_user.username.lower():
            flash("You left the group.", "info")
            return redirect(url_for(".index"), 303)
        flash(f"Removed {username}.", "info")
    return redirect(url_for(".page", slug=slug), 303)


@bp.route("/g/<slug>/invite/rotate", methods=["POST"])
@login_required
@returns_to(".page", "slug")
def rotate_invite(slug):
    session = get_session()
    view = groups.visible_group(session, slug, current_user)
    if EmptyForm().validate_on_submit():
        groups.rotate_code(session, view.group, current_user)
        session.commit()
        flash("A new invite link: the old one no longer works.", "success")
    return redirect(url_for(".page", slug=slug), 303)


@bp.route("/g/<slug>/seasons", methods=["POST"])
@login_required
@returns_to(".page", "slug")
def create_season(slug):
    session = get_session()
    view = groups.visible_group(session, slug, current_user)
    form = SeasonForm()
    if form.validate_on_submit():
        seasons.create_season(session, view.group, current_user, form.name.data, form.start.data, form.end.data,
                              clock.now())
        session.commit()
        flash("Season opened.", "success")
    else:
        _flash_form_errors(form)
    return redirect(url_for(".page", slug=slug), 303)


@bp.route("/g/<slug>/seasons/<int:season_id>/close", methods=["POST"])
@login_required
@returns_to(".page", "slug")
def close_season(slug, season_id):
    session = get_session()
    view = groups.visible_group(session, slug, current_user)
    if EmptyForm().validate_on_submit():
        seasons.close_season(session, seasons.get_season(session, view.group, season_id), current_user, clock.now())
        session.commit()
        flash("Season closed: competitions finalized from now on give it no points.", "info")
    return redirect(url_for(".page", slug=slug), 303)


@bp.route("/g/<slug>/settings", methods=["GET", "POST"])
@login_required
def settings(slug):
    session = get_session()
    view = groups.visible_group(session, slug, current_user)
    groups.require_manages(view.group, current_user)
    form = GroupSettingsForm(obj=view.group)
    if request.method == "GET":
        form.description.data = view.group.description_md
    status = 200
    if form.validate_on_submit():
        try:
            groups.update_group(session, view.group, current_user, name=form.name.data,
                                description=form.description.data, visibility=form.visibility.data)
            session.commit()
        except DomainError as exc:
            session.rollback()
            show_on_form(form, exc)
            status = 422
        else:
            flash("Saved.", "success")
            return redirect(url_for(".page", slug=slug), 303)
    return render_template("groups/settings.html", g_=view.group, form=form), status
