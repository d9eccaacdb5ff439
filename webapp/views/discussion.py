"""The Discussion and Solutions tabs: topics, replies, votes, moderation, and write-ups.

Views parse the form, call one use case and render; every permission is the
domain's (competitions.discussion.may_*, competitions.writeups.writeup_blocker).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competitions import discussion, writeups
from competitions.errors import DomainError, Forbidden, NotFound, RateLimited

from .. import clock
from ..db import get_session
from ..errors import returns_to, show_on_form
from ..forms_discussion import EditPostForm, HideForm, ReplyForm, TopicForm, WriteUpForm
from .competitions import _context, _user, load_visible

bp = Blueprint("discussion", __name__)


def _refused(form, exc: DomainError) -> int:
    """Show a refusal on the form; its status: 429 for the rate limit, else 422. Access refusals propagate."""
    if exc.status in (403, 404):
        raise exc
    get_session().rollback()
    show_on_form(form, exc)
    return 429 if isinstance(exc, RateLimited) else 422


def _headers(status: int, exc: DomainError | None) -> dict:
    return {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) and exc.retry_after else {}


@bp.route("/c/<slug>/discussion")
def index(slug):
    competition, team, manager, _ = load_visible(slug)
    sort = request.args.get("sort", "activity")
    if sort not in discussion.SORTS:
        sort = "activity"
    topics = discussion.list_topics(get_session(), competition, _user(), is_member=team is not None, sort=sort)
    return render_template("discussion/index.html", topics=topics, sort=sort,
                           may_post=discussion.may_post(competition, _user(), is_member=team is not None),
                           **_context(competition, team, manager, "discussion"))


@bp.route("/c/<slug>/discussion/new", methods=["GET", "POST"])
@login_required
def new_topic(slug):
    competition, team, manager, _ = load_visible(slug)
    discussion.require_post(competition, current_user, is_member=team is not None)
    form = TopicForm()
    status, refusal = 200, None
    if form.is_submitted():
        session = get_session()
        try:
            topic = discussion.create_topic(session, competition, current_user, form.title.data or "",
                                            form.body.data or "", clock.now(), is_member=team is not None,
                                            announcement=bool(form.announcement.data))
            session.commit()
        except DomainError as exc:
            status, refusal = _refused(form, exc), exc
        else:
            flash("Announcement posted; joined learners are notified." if topic.announcement else "Topic posted.",
                  "success")
            return redirect(url_for(".topic", slug=competition.slug, topic_id=topic.id), 303)
    return render_template("discussion/new.html", form=form, may_announce=discussion.may_moderate(
        competition, current_user), **_context(competition, team, manager, "discussion")), status, _headers(
        status, refusal)


def _render_topic(competition, team, manager, topic_id, reply_form=None, status=200, refusal=None):
    view = discussion.topic_view(get_session(), competition, topic_id, _user(), is_member=team is not None)
    return render_template("discussion/topic.html", view=view, reply_form=reply_form or ReplyForm(formdata=None),
                           hide_form=HideForm(formdata=None),
                           **_context(competition, team, manager, "discussion")), status, _headers(status, refusal)


@bp.route("/c/<slug>/discussion/<int:topic_id>")
def topic(slug, topic_id):
    competition, team, manager, _ = load_visible(slug)
    return _render_topic(competition, team, manager, topic_id)


@bp.route("/c/<slug>/discussion/<int:topic_id>/replies", methods=["POST"])
@login_required
def reply(slug, topic_id):
    competition, team, manager, _ = load_visible(slug)
    form = ReplyForm()
    session = get_session()
    try:
        post = discussion.reply(session, competition, current_user, topic_id, form.body.data or "", clock.now(),
                                is_member=team is not None, parent_id=form.parent_id.data or None)
        session.commit()
    except DomainError as exc:
        status = _refused(form, exc)
        return _render_topic(competition, team, manager, topic_id, reply_form=form, status=status, refusal=exc)
    return redirect(url_for(".topic", slug=competition.slug, topic_id=topic_id, _anchor=f"post-{post.id}"), 303)


def _post_in(competition, topic_id: int, post_id: int):
    post = discussion.get_post(get_session(), post_id)
    if post.topic_id != topic_id or post.topic.competition_id != competition.id:
        raise NotFound("No such post in this topic.")
    return post


@bp.route("/c/<slug>/discussion/<int:topic_id>/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug, topic_id, post_id):
    competition, team, manager, _ = load_visible(slug)
    post = _post_in(competition, topic_id, post_id)
    if not discussion.may_edit(post, current_user):
        raise Forbidden("Only its author can edit a post, and not once it is deleted or hidden.")
    form = EditPostForm(formdata=None, title=post.topic.title, body=post.body_md)
    status = 200
    if request.method == "POST":
        form = EditPostForm()
        session = get_session()
        try:
            discussion.edit_post(session, post, current_user, form.body.data or "", clock.now(),
                                 title=form.title.data if post.opening else None)
            session.commit()
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            flash("Post edited.", "success")
            return redirect(url_for(".topic", slug=competition.slug, topic_id=topic_id, _anchor=f"post-{post.id}"),
                            303)
    return render_template("discussion/edit.html", form=form, post=post,
                           **_context(competition, team, manager, "discussion")), status


@bp.route("/c/<slug>/discussion/<int:topic_id>/posts/<int:post_id>/delete", methods=["POST"])
@login_required
@returns_to(".topic", "slug", "topic_id")
def delete(slug, topic_id, post_id):
    competition, _, _, _ = load_visible(slug)
    session = get_session()
    discussion.delete_post(session, _post_in(competition, topic_id, post_id), current_user, clock.now())
    session.commit()
    flash("Post deleted; replies to it stay.", "info")
    return redirect(url_for(".topic", slug=competition.slug, topic_id=topic_id), 303)


@bp.route("/c/<slug>/discussion/<int:topic_id>/posts/<int:post_id>/hide", methods=["POST"])
@login_required
@returns_to(".topic", "slug", "topic_id")
def hide(slug, topic_id, post_id):
    competition, _, _, _ = load_visible(slug)
    session = get_session()
    discussion.hide_post(session, competition, _post_in(competition, topic_id, post_id), current_user,
                         request.form.get("reason", ""), clock.now())
    session.commit()
    flash("Post hidden.", "info")
    return redirect(url_for(".topic", slug=competition.slug, topic_id=topic_id, _anchor=f"post-{post_id}"), 303)


@bp.route("/c/<slug>/discussion/<int:topic_id>/posts/<int:post_id>/vote", methods=["POST"])
@login_required
@returns_to(".topic", "slug", "topic_id")
def vote(slug, topic_id, post_id):
    competition, team, _, _ = load_visible(slug)
    session = get_session()
    post = _post_in(competition, topic_id, post_id)
    if request.form.get("action") == "remove":
        discussion.unvote(session, competition, post, current_user)
    else:
        discussion.vote(session, competition, post, current_user, clock.now(), is_member=team is not None)
    session.commit()
    return redirect(url_for(".topic", slug=competition.slug, topic_id=topic_id, _anchor=f"post-{post_id}"), 303)


@bp.route("/c/<slug>/discussion/<int:topic_id>/pin", methods=["POST"])
@login_required
@returns_to(".topic", "slug", "topic_id")
def pin(slug, topic_id):
    competition, _, _, _ = load_visible(slug)
    session = get_session()
    pinned = request.form.get("pinned") == "1"
    discussion.set_pinned(session, competition, topic_id, current_user, pinned)
    session.commit()
    flash("Topic pinned." if pinned else "Topic unpinned.", "info")
    return redirect(url_for(".topic", slug=competition.slug, topic_id=topic_id), 303)


# --- Solutions ---------------------------------------------------------------------------------


@bp.route("/c/<slug>/solutions")
def solutions(slug):
    competition, team, manager, _ = load_visible(slug)
    session = get_session()
    return render_template("discussion/solutions.html", solutions=writeups.solutions(session, competition),
                           blocker=writeups.writeup_blocker(session, competition, team),
                           mine=writeups.writeup_of_team(session, team),
                           **_context(competition, team, manager, "solutions"))


@bp.route("/c/<slug>/solutions/<int:writeup_id>")
def writeup(slug, writeup_id):
    competition, team, manager, _ = load_visible(slug)
    row = writeups.get_writeup(get_session(), competition, writeup_id)
    return render_template("discussion/writeup.html", w=row, mine=team is not None and team.id == row.team_id,
                           **_context(competition, team, manager, "solutions"))


def _parse_links(text: str) -> list[dict]:
    links = []
    for line in (text or "").splitlines():
        words = line.split()
        if words:
            links.append({"label": " ".join(words[:-1]), "url": words[-1]})
    return links


@bp.route("/c/<slug>/writeup", methods=["GET", "POST"])
@login_required
def edit_writeup(slug):
    competition, team, manager, _ = load_visible(slug)
    session = get_session()
    if team is None:
        raise Forbidden("Only teams ranked on the private leaderboard publish write-ups.")
    blocker = writeups.writeup_blocker(session, competition, team)
    if blocker:
        flash(blocker, "error")
        return redirect(url_for(".solutions", slug=competition.slug), 303)
    existing = writeups.writeup_of_team(session, team)
    finals = writeups.final_submissions(session, competition, team)
    if request.method == "POST":
        form = WriteUpForm()
    elif existing:
        form = WriteUpForm(formdata=None, title=existing.title, body=existing.body_md,
                           submission_id=str(existing.submission_id),
                           links="\n".join(f"{link['label']} {link['url']}" for link in existing.links or []))
    else:
        form = WriteUpForm(formdata=None)
    form.submission_id.choices = [(str(s.id), f"#{s.id} · {s.description or s.file_name} · private "
                                   f"{s.private_score:.5f}" if s.private_score is not None else f"#{s.id}")
                                  for s in finals]
    status = 200
    if request.method == "POST":
        try:
            row = writeups.publish(session, competition, current_user, title=form.title.data or "",
                                   body=form.body.data or "", submission_id=form.submission_id.data,
                                   links=_parse_links(form.links.data), now=clock.now())
            session.commit()
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            flash("Write-up published.", "success")
            return redirect(url_for(".writeup", slug=competition.slug, writeup_id=row.id), 303)
    return render_template("discussion/writeup_form.html", form=form, existing=existing,
                           **_context(competition, team, manager, "solutions")), status
