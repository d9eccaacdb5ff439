"""Forms of the group, season and profile pages; field names match the domain's `field`s."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

GROUP_VISIBILITY = [SelectChoice("public", "public (listed; joining needs the link or approval)"),
                    SelectChoice("private", "private (only members see it)")]


class GroupForm(FlaskForm):
    # Lengths and formats are the domain's rules (competitions.groups): its messages show here.
    slug = StringField("Slug (in the address)", render_kw={"maxlength": 64, "autocomplete": "off"})
    name = StringField("Name", render_kw={"maxlength": 120})
    description = TextAreaField("Description (Markdown)")
    visibility = SelectField("Visibility", choices=GROUP_VISIBILITY)


class GroupSettingsForm(FlaskForm):
    name = StringField("Name", render_kw={"maxlength": 120})
    description = TextAreaField("Description (Markdown)")
    visibility = SelectField("Visibility", choices=GROUP_VISIBILITY)


class SeasonForm(FlaskForm):
    name = StringField("Season name", render_kw={"maxlength": 120})
    start = StringField("Start (UTC, YYYY-MM-DDTHH:MM)")
    end = StringField("End (UTC, YYYY-MM-DDTHH:MM)")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r) for r in ("member", "organizer", "owner")])


class ProfileForm(FlaskForm):
    display_name = StringField("Display name", render_kw={"maxlength": 80})
    bio = TextAreaField("Short bio", render_kw={"maxlength": 500, "rows": 3})
    github = StringField("GitHub (https://github.com/…)", render_kw={"autocomplete": "url"})
    website = StringField("Personal site (https://…)", render_kw={"autocomplete": "url"})
    visibility = SelectField("Who sees my profile", choices=[
        SelectChoice("public", "public: anyone, signed in or not"),
        SelectChoice("members", "members: signed-in users"),
        SelectChoice("private", "private: only me (and admins)")])
