"""Portfolios: /u/<username>, its printable page, and editing one's own profile."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competitions import portfolios
from competitions.errors import DomainError

from .. import clock
from ..charts import percentile_chart
from ..db import get_session
from ..errors import show_on_form
from ..group_forms import ProfileForm

bp = Blueprint("profiles", __name__)


def _user():
    return current_user if current_user.is_authenticated else None


def _portfolio(username: str):
    return portfolios.portfolio(get_session(), username, _user(), clock.now())


@bp.route("/u/<username>")
def portfolio(username):
    folio = _portfolio(username)
    return render_template("profiles/portfolio.html", p=folio, chart=percentile_chart(folio.chart()),
                           mine=_user() is not None and current_user.id == folio.user.id)


@bp.route("/u/<username>/print")
def printable(username):
    folio = _portfolio(username)
    return render_template("profiles/print.html", p=folio, chart=percentile_chart(folio.chart()), now=clock.now())


@bp.route("/profile/public", methods=["GET", "POST"])
@login_required
def edit():
    session = get_session()
    profile = portfolios.profile_of(session, current_user)
    form = ProfileForm()
    links = {link.get("label"): link.get("url") for link in profile.links or []}
    if request.method == "GET":
        form.display_name.data, form.bio.data, form.visibility.data = (profile.display_name, profile.bio,
                                                                       profile.visibility)
        form.github.data, form.website.data = links.get("GitHub", ""), links.get("Website", "")
    status = 200
    if form.validate_on_submit():
        try:
            portfolios.update_profile(
                session, current_user, display_name=form.display_name.data, bio=form.bio.data,
                links=[{"label": "GitHub", "url": form.github.data}, {"label": "Website", "url": form.website.data}],
                visibility=form.visibility.data, now=clock.now())
            session.commit()
        except DomainError as exc:
            session.rollback()
            if exc.field == "links":
                form.website.errors = [exc.message]  # the message names the address at fault
            else:
                show_on_form(form, exc)
            status = 422
        else:
            flash("Profile saved.", "success")
            return redirect(url_for(".portfolio", username=current_user.username), 303)
    return render_template("profiles/edit.html", form=form), status
