"""Team pages: the Team tab (name, members, invitations, leave) and the invitation page."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competitions import access, participation, teams
from competitions.errors import DomainError, NotFound

from .. import clock
from ..db import get_session
from ..errors import returns_to, show_on_form
from ..forms import AcceptInvitationForm, EmptyForm, InviteForm, TeamNameForm
from .competitions import _context, load_visible

bp = Blueprint("teams", __name__)


def _form_status(exc: DomainError) -> int:
    """A refusal shown on a form: 409 for a conflict (a name taken, a merge refused), else 422."""
    return 409 if exc.status == 409 else 422


def _member_page(slug: str):
    """The competition, the caller's team in it (None if not joined) and whether they manage it."""
    competition, team, manager, _ = load_visible(slug)
    return competition, team, manager


def _render_team(competition, manager, name_form=None, invite_form=None, status: int = 200):
    """The Team tab; a form that was refused comes back with what was typed and the message on its field."""
    view = teams.team_view(get_session(), competition, current_user, clock.now())
    if name_form is None:
        name_form = TeamNameForm(formdata=None, name=view.team.name)
    return render_template("teams/team.html", view=view, name_form=name_form,
                           invite_form=invite_form or InviteForm(formdata=None), form=EmptyForm(),
                           **_context(competition, view.team, manager, "team")), status


@bp.route("/c/<slug>/team")
@login_required
def team(slug):
    competition, team, manager = _member_page(slug)
    if team is None:
        flash("Join the competition to form a team.", "info")
        return redirect(url_for("competitions.overview", slug=competition.slug))
    return _render_team(competition, manager)


@bp.route("/c/<slug>/team/name", methods=["POST"])
@login_required
def rename(slug):
    competition, _, manager = _member_page(slug)
    form = TeamNameForm()
    # No validators: CSRFProtect checks the token before the view, and the naming rule is the domain's.
    session = get_session()
    try:
        renamed = teams.rename(session, competition, current_user, form.name.data or "", clock.now())
        session.commit()
    except DomainError as exc:
        if exc.status in (403, 404):
            raise  # not a member: the page that says to join first
        session.rollback()
        show_on_form(form, exc)
        return _render_team(competition, manager, name_form=form, status=_form_status(exc))
    flash(f"Your team is now called {renamed.name}.", "success")
    return redirect(url_for(".team", slug=competition.slug), 303)


@bp.route("/c/<slug>/team/invitations", methods=["POST"])
@login_required
def invite(slug):
    """Invite by username (the form's field), or make a one-time link (a button posting `link`)."""
    competition, _, manager = _member_page(slug)
    form = InviteForm()
    session = get_session()
    as_link = bool(request.form.get("link"))
    username = (form.username.data or "").strip()
    if not as_link and not username:
        participation.require_team(session, competition, current_user)  # not a member: the 403 page
        form.username.errors = ["Type the username of the person to invite, or create an invite link."]
        return _render_team(competition, manager, invite_form=form, status=422)
    try:
        row = teams.invite(session, competition, current_user, clock.now(), username=None if as_link else username)
        session.commit()
    except DomainError as exc:
        if exc.status == 403:
            raise
        session.rollback()
        # The one field is the username: a refusal of it (no such user, already in the team) shows there.
        show_on_form(form, exc if exc.field or as_link else DomainError(exc.message, field="username"))
        return _render_team(competition, manager, invite_form=form, status=_form_status(exc))
    if row.invited_user is not None:
        flash(f"{row.invited_user.username} is invited: they will see the invitation on the competition page "
              "and on their profile.", "success")
    else:
        flash("Invite link created: send it to the person you want in your team. It works once.", "success")
    return redirect(url_for(".team", slug=competition.slug), 303)


@bp.route("/c/<slug>/team/invitations/<int:invitation_id>/revoke", methods=["POST"])
@login_required
@returns_to(".team", "slug")
def revoke(slug, invitation_id):
    competition, _, _ = _member_page(slug)
    if EmptyForm().validate_on_submit():
        session = get_session()
        teams.revoke(session, competition, current_user, invitation_id, clock.now())
        session.commit()
        flash("Invitation withdrawn: its link no longer works.", "info")
    return redirect(url_for(".team", slug=competition.slug), 303)


@bp.route("/c/<slug>/team/leave", methods=["GET", "POST"])
@login_required
@returns_to(".team", "slug")
def leave(slug):
    """A confirmation page first (it works without JavaScript), then the member leaves."""
    competition, team, manager = _member_page(slug)
    form = EmptyForm()
    if not form.validate_on_submit():
        if team is None:
            return redirect(url_for("competitions.overview", slug=competition.slug))
        return render_template("teams/leave.html", form=form, **_context(competition, team, manager, "team"))
    session = get_session()
    old_name = team.name if team is not None else ""
    new_team = teams.leave(session, competition, current_user, clock.now())
    session.commit()
    flash(f"You left {old_name}. You are now on your own, as team {new_team.name}.", "success")
    return redirect(url_for(".team", slug=competition.slug), 303)


# --- the invitation page ----------------------------------------------------------------------


def _render_invitation(code: str, form: AcceptInvitationForm | None = None, status: int = 200):
    session = get_session()
    now = clock.now()
    row = teams.get_invitation(session, code)  # NotFound: the 404 page
    competition = row.competition
    own = participation.team_of(session, competition, current_user)
    if not access.can_view(competition, current_user, now, is_member=True):
        raise NotFound("No such invitation. Ask the team for a new link.")  # a draft: as for an unknown code
    problem = None
    try:
        teams.open_invitation(session, code, current_user, now)  # NotFound (someone else's): the 404 page
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        problem = exc.message  # used, declined, withdrawn or expired: said on the page, without buttons
        status = exc.status if status == 200 else status
    already_in = own is not None and own.id == row.team_id
    return render_template(
        "teams/invitation.html", invitation=row, c=competition, own=own, already_in=already_in, problem=problem,
        members=teams.members_of(session, row.team), own_members=teams.members_of(session, own) if own else [],
        form=form or AcceptInvitationForm(formdata=None), decline_form=EmptyForm(),
        linkable=access.can_view(competition, current_user, now, is_member=own is not None),
        allowance=teams.allowance(competition, now)), status


@bp.route("/invitations/<code>")
@login_required
def invitation(code):
    return _render_invitation(code)


@bp.route("/invitations/<code>/accept", methods=["POST"])
@login_required
def accept(code):
    session = get_session()
    row = teams.get_invitation(session, code)
    slug = row.competition.slug
    form = AcceptInvitationForm()
    joined = participation.team_of(session, row.competition, current_user) is not None
    if not joined and not form.accept_rules.data:
        form.accept_rules.errors = ["Accept the rules to join the competition with this team."]
        return _render_invitation(code, form, status=422)
    try:
        merged = teams.accept(session, code, current_user, clock.now())
        session.commit()
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        session.rollback()
        show_on_form(form, exc)  # a refused merge says which rule failed, above the buttons
        return _render_invitation(code, form, status=_form_status(exc))
    flash(f"You are in team {merged.name}." if joined else
          f"You joined the competition as a member of team {merged.name}.", "success")
    return redirect(url_for(".team", slug=slug), 303)


@bp.route("/invitations/<code>/decline", methods=["POST"])
@login_required
@returns_to(".invitation", "code")
def decline(code):
    if EmptyForm().validate_on_submit():
        session = get_session()
        row = teams.decline(session, code, current_user, clock.now())
        session.commit()
        flash(f"You declined the invitation to team {row.team.name}.", "info")
    return redirect(url_for("auth.profile"), 303)
