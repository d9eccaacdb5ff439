"""Sign up, sign in, sign out, the profile page and API tokens."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from competitions import accounts, tokens
from competitions.errors import DomainError
from competitions.models import User

from .db import get_session
from .forms import EmptyForm, SignInForm, SignUpForm, TokenForm

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.signin"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"

SIGN_IN_FAILED = "Unknown username or wrong password."


def init_app(app: Flask) -> None:
    login_manager.init_app(app)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return get_session().get(User, int(user_id)) if user_id.isdigit() else None


def role_required(predicate):
    """403 unless the signed-in user satisfies `predicate(user)`."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after sign-in is a phishing tool.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("competitions.index")


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    form = SignUpForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            user = accounts.create_user(session, form.username.data, form.password.data, email=form.email.data)
            session.commit()
        except DomainError as exc:
            getattr(form, exc.field or "username").errors.append(exc.message)
        else:
            login_user(user)
            flash(f"Welcome, {user.username}!", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/signup.html", form=form), (422 if form.errors else 200)


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    form = SignInForm()
    if form.validate_on_submit():
        session = get_session()
        user = accounts.authenticate(session, form.username.data, form.password.data)
        if user is not None:
            session.commit()
            login_user(user, remember=True)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(SIGN_IN_FAILED)
    return render_template("auth/signin.html", form=form), (401 if form.errors else 200)


@bp.route("/signout", methods=["POST"])
def signout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("competitions.index"))


@bp.route("/profile")
@login_required
def profile():
    return _render_profile()


def _render_profile(new_token: str | None = None, status: int = 200):
    session = get_session()
    return render_template("auth/profile.html", tokens=tokens.list_tokens(session, current_user),
                           token_form=TokenForm(), revoke_form=EmptyForm(), new_token=new_token), status


@bp.route("/profile/tokens", methods=["POST"])
@login_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _render_profile(status=422)
    session = get_session()
    _, plaintext = tokens.create_token(session, current_user, form.label.data or "")
    session.commit()
    # Shown once on this page and never again: only its hash is stored.
    return _render_profile(new_token=plaintext)


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    form = EmptyForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            tokens.revoke_token(session, current_user, token_id)
        except DomainError:
            abort(404)
        session.commit()
        flash("Token revoked.", "info")
    return redirect(url_for("auth.profile"))
