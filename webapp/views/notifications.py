"""The notifications page, e-mail choices, the header's unread count, and forgotten passwords."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competitions import notifications, password_mail

from .. import clock
from ..auth import reset_link_url
from ..db import get_session
from ..forms import EmptyForm
from ..forms_discussion import ForgotPasswordForm
from ..mailer import mail_enabled

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _unread():
    def unread_notifications() -> int:
        # Asked by base.html only for signed-in users: one indexed count per page.
        return notifications.unread_count(get_session(), current_user)

    return {"unread_notifications": unread_notifications, "mail_enabled": mail_enabled}


@bp.route("/notifications")
@login_required
def index():
    session = get_session()
    rows = notifications.list_for(session, current_user, unread_only=request.args.get("unread") == "1")
    return render_template("notifications/index.html", rows=rows, form=EmptyForm(),
                           settings=notifications.email_settings(session, current_user),
                           labels=notifications.KIND_LABELS, unread_only=request.args.get("unread") == "1")


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    session = get_session()
    ids = request.form.getlist("id")
    notifications.mark_read(session, current_user, clock.now(), ids if ids else None)
    session.commit()
    return redirect(request.form.get("next") if _local(request.form.get("next")) else url_for(".index"), 303)


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id):
    """Mark one read and go where it points."""
    session = get_session()
    row = notifications.get_for(session, current_user, notification_id)
    notifications.mark_read(session, current_user, clock.now(), [row.id])
    session.commit()
    return redirect(row.path if _local(row.path) else url_for(".index"), 303)


def _local(path: str | None) -> bool:
    return bool(path) and path.startswith("/") and not path.startswith("//")


@bp.route("/notifications/settings", methods=["POST"])
@login_required
def settings():
    session = get_session()
    wanted = {kind: request.form.get(f"email_{kind}") == "1" for kind in notifications.KIND_LABELS}
    notifications.set_email_settings(session, current_user, wanted)
    session.commit()
    flash("Notification settings saved.", "success")
    return redirect(url_for(".index", _anchor="settings"), 303)


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    """With SMTP configured: a reset link by e-mail. The answer never says whether the account exists."""
    if not mail_enabled():
        abort(404)
    form = ForgotPasswordForm()
    if request.method == "POST":
        session = get_session()
        password_mail.send_reset_link(session, form.who.data or "", reset_link_url, clock.now())
        session.commit()
        flash("If that account has an e-mail address, a reset link is on its way. It works once, for 24 hours.",
              "info")
        return redirect(url_for("auth.signin"), 303)
    return render_template("notifications/forgot.html", form=form)
