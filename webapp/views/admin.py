"""The admin's users page: promote learners to organizers."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from competitions import accounts
from competitions.errors import DomainError
from competitions.models import Role, User

from ..auth import role_required
from ..db import get_session
from ..forms import RoleForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = role_required(lambda user: user.is_admin)


@bp.route("/users")
@admin_only
def users():
    return render_template("admin/users.html", users=accounts.list_users(get_session()), form=RoleForm(),
                           roles=[r.value for r in Role])


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@admin_only
def set_role(user_id: int):
    form = RoleForm()
    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        abort(404)
    if form.validate_on_submit():
        try:
            accounts.set_role(session, user.username, form.role.data)
            session.commit()
            flash(f"{user.username} is now {user.role}.", "success")
        except DomainError as exc:
            flash(exc.message, "error")
    else:
        flash("Choose a valid role.", "error")
    return redirect(url_for(".users"))
