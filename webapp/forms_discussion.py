"""Forms for the Discussion and Solutions tabs, notifications and the forgotten-password page.

Lengths and emptiness are the domain's rules (competitions.discussion, .writeups): their
messages show on these fields, so the forms carry no validators of their own.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField


class TopicForm(FlaskForm):
    title = StringField("Title", render_kw={"maxlength": 200, "autocomplete": "off"})
    body = TextAreaField("Message (Markdown)", render_kw={"rows": 8})
    announcement = BooleanField("Announcement: pin it and notify every joined learner")


class ReplyForm(FlaskForm):
    body = TextAreaField("Your reply (Markdown)", render_kw={"rows": 5})
    parent_id = HiddenField()


class EditPostForm(FlaskForm):
    title = StringField("Title", render_kw={"maxlength": 200, "autocomplete": "off"})
    body = TextAreaField("Message (Markdown)", render_kw={"rows": 10})


class HideForm(FlaskForm):
    reason = StringField("Reason (shown in place of the post)", render_kw={"maxlength": 500})


class WriteUpForm(FlaskForm):
    title = StringField("Title", render_kw={"maxlength": 200})
    submission_id = SelectField("The final submission it describes", coerce=str)
    body = TextAreaField("How you did it (Markdown)", render_kw={"rows": 14})
    links = TextAreaField("Links (optional, one per line: a label, a space, then the http(s) address)",
                          render_kw={"rows": 3, "placeholder": "Code https://github.com/…"})


class ForgotPasswordForm(FlaskForm):
    who = StringField("Username or e-mail address", render_kw={"autocomplete": "username"})
