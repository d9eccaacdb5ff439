"""The admin's users page: roles and password reset links."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask import session as cookie_session
from flask_login import current_user

from competitions import accounts
from competitions.models import Role, User

from .. import clock
from ..auth import no_store, reset_link_url, role_required
from ..db import get_session
from ..errors import returns_to
from ..forms import EmptyForm, RoleForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = role_required(lambda user: user.is_admin)
# The last reset link made, carried to the next page view and shown there once.
RESET_LINK_KEY = "holdout.reset_link"


def _render_users():
    shown = cookie_session.pop(RESET_LINK_KEY, None)
    reset_link = None
    if shown and shown.get("admin_id") == current_user.id:
        reset_link = {**shown, "expires_at": datetime.fromisoformat(shown["expires_at"])}
    response = make_response(render_template(
        "admin/users.html", users=accounts.list_users(get_session()), form=RoleForm(), reset_form=EmptyForm(),
        roles=[r.value for r in Role], reset_link=reset_link))
    return no_store(response) if reset_link else response


@bp.route("/users")
@admin_only
def users():
    return _render_users()


def _user_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@admin_only
@returns_to(".users")
def set_role(user_id: int):
    form = RoleForm()
    session = get_session()
    user = _user_or_404(user_id)
    if not form.validate_on_submit():
        flash("Choose a valid role.", "error")
        return redirect(url_for(".users"))
    accounts.set_role(session, user.username, form.role.data)  # refusals return to the page (returns_to)
    session.commit()
    flash(f"{user.username} is now {user.role}.", "success")
    return redirect(url_for(".users"))


@bp.route("/users/<int:user_id>/reset-link", methods=["POST"])
@admin_only
def create_reset_link(user_id: int):
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    session = get_session()
    user = _user_or_404(user_id)
    row, token = accounts.create_reset_link(session, user, now=clock.now(), created_by=current_user)
    session.commit()
    # POST/redirect/GET: the link is shown once, on the next page, and a reload makes no new one.
    cookie_session[RESET_LINK_KEY] = {"admin_id": current_user.id, "username": user.username,
                                      "url": reset_link_url(token), "expires_at": row.expires_at.isoformat()}
    return redirect(url_for(".users"))
