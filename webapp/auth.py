"""Sign up, sign in, sign out, the profile page, API tokens and password reset links."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    has_request_context,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as cookie_session
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from competitions import accounts, teams, tokens
from competitions.errors import DomainError
from competitions.models import User

from . import clock
from .db import get_session
from .errors import show_on_form
from .forms import ChangePasswordForm, EmptyForm, ResetPasswordForm, SignInForm, SignUpForm, TokenForm

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.signin"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"

SIGN_IN_FAILED = "Unknown username or wrong password."
# Where links made outside a request (the CLI) point when HOLDOUT_BASE_URL is not set: `make run`'s address.
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
# Flask-session keys for secrets shown once, on the page after a POST/redirect.
NEW_TOKEN_KEY = "holdout.new_token"


def init_app(app: Flask) -> None:
    login_manager.init_app(app)


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    # "<id>:<version>": a session from before the user's last "sign out everywhere" is refused.
    return accounts.user_for_session_id(get_session(), session_id)


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
            user = accounts.create_user(session, form.username.data, form.password.data, email=form.email.data,
                                        now=clock.now())
            session.commit()
        except DomainError as exc:
            session.rollback()
            show_on_form(form, exc)
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
    if current_user.is_authenticated:
        # Every session and remember cookie of this user ends, so a copied cookie signs nobody in.
        session = get_session()
        accounts.sign_out(session, current_user._get_current_object())
        session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("competitions.index"))


@bp.route("/profile")
@login_required
def profile():
    return _render_profile()


def _render_profile(token_form: TokenForm | None = None, status: int = 200,
                    password_form: ChangePasswordForm | None = None):
    session = get_session()
    # Popped, so the plaintext is on this one page only: a reload no longer shows it.
    shown = cookie_session.pop(NEW_TOKEN_KEY, None)
    new_token = shown["token"] if shown and shown.get("user_id") == current_user.id else None
    response = make_response(render_template(
        "auth/profile.html", tokens=tokens.list_tokens(session, current_user), token_form=token_form or TokenForm(),
        revoke_form=EmptyForm(), sign_out_form=EmptyForm(), new_token=new_token,
        password_form=password_form or ChangePasswordForm(),
        invitations=teams.pending_for(session, current_user, clock.now())), status)
    if new_token:
        no_store(response)
    return response


def no_store(response):
    """For pages that show a secret: no cache keeps a copy for the back button to show again."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/profile/tokens", methods=["POST"])
@login_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _render_profile(form, status=422)
    session = get_session()
    _, plaintext = tokens.create_token(session, current_user, form.label.data or "", now=clock.now())
    session.commit()
    # Only the hash is stored: the plaintext rides in the signed session cookie to the next page,
    # which shows it once. POST/redirect/GET, so reloading that page makes no second token.
    cookie_session[NEW_TOKEN_KEY] = {"user_id": current_user.id, "token": plaintext}
    return redirect(url_for("auth.profile"))


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    form = EmptyForm()
    if form.validate_on_submit():
        session = get_session()
        tokens.revoke_token(session, current_user, token_id, now=clock.now())  # NotFound: the 404 page
        session.commit()
        flash("Token revoked.", "info")
    return redirect(url_for("auth.profile"))


def _sign_in_again(user: User) -> None:
    """After the session version changed: this browser stays signed in, under the new id."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered)


@bp.route("/profile/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    session = get_session()
    user = current_user._get_current_object()
    revoked = accounts.sign_out_everywhere(session, user, now=clock.now())
    session.commit()
    _sign_in_again(user)
    flash(f"Signed out everywhere else; {revoked} API token{'s' if revoked != 1 else ''} revoked. "
          "This browser is still signed in.", "success")
    return redirect(url_for("auth.profile"))


@bp.route("/profile/password", methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        session = get_session()
        user = current_user._get_current_object()
        try:
            accounts.change_password(session, user, form.current_password.data, form.new_password.data)
        except DomainError as exc:
            session.rollback()
            show_on_form(form, exc)
        else:
            session.commit()
            _sign_in_again(user)
            flash("Your password is changed. Every other session of yours was signed out.", "success")
            return redirect(url_for("auth.profile"))
    return _render_profile(password_form=form, status=422)


# --- password reset links --------------------------------------------------------------------


def reset_link_url(token: str) -> str:
    """The absolute address of a reset link.

    HOLDOUT_BASE_URL when it is set (the address people use, even behind a proxy); else the
    current request's host; else, outside any request (the CLI), DEFAULT_BASE_URL.
    """
    base = current_app.config.get("BASE_URL")
    if base is None and has_request_context():
        return url_for("auth.reset_password", token=token, _external=True)
    with current_app.test_request_context(base_url=base or DEFAULT_BASE_URL):
        return url_for("auth.reset_password", token=token, _external=True)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    session = get_session()
    # An unknown, used or expired link raises NotFound (404) or ResetLinkGone (410): the error
    # page shows the message, which says to ask an admin for a new link.
    link = accounts.check_reset_link(session, token, now=clock.now())
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.reset_password(session, token, form.password.data, now=clock.now(),
                                           sign_out_all=form.sign_out_everywhere.data)
        except DomainError as exc:
            if exc.field is None:
                raise
            session.rollback()
            show_on_form(form, exc)
        else:
            session.commit()
            login_user(user, remember=True)
            flash("Your password is changed and you are signed in."
                  + (" Every other session and API token was signed out." if form.sign_out_everywhere.data
                     else ""), "success")
            return redirect(url_for("auth.profile"))
    return no_store(make_response(render_template("auth/reset.html", form=form, username=link.user.username),
                                  422 if form.errors else 200))
