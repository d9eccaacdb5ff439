"""WTForms classes; Flask-WTF adds the CSRF token to each."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    BooleanField,
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

PASSWORD_LENGTH = "Passwords need at least 10 characters (and at most 1024)."


class SignUpForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(3, 40)],
                           render_kw={"autocomplete": "username"})
    email = EmailField("Email (optional)", validators=[Optional(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=10, max=1024, message=PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat password",
                            validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
                            render_kw={"autocomplete": "new-password"})


class SignInForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired()], render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired()], render_kw={"autocomplete": "current-password"})


class ChangePasswordForm(FlaskForm):
    """Change the password on the profile page; the current one is required."""

    current_password = PasswordField("Current password", validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("New password (at least 10 characters)",
                                 validators=[DataRequired(), Length(min=10, max=1024, message=PASSWORD_LENGTH)],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat new password",
                            validators=[DataRequired(), EqualTo("new_password", "The passwords differ.")],
                            render_kw={"autocomplete": "new-password"})


class TokenForm(FlaskForm):
    label = StringField("Label", validators=[Optional(), Length(max=80)])


class EmptyForm(FlaskForm):
    """A form that carries only the CSRF token, for buttons that POST."""


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r) for r in ("learner", "organizer", "admin")])


class JoinForm(FlaskForm):
    accept_rules = BooleanField("I have read and accept the rules", validators=[DataRequired(
        "Accept the rules to join.")])


class TeamNameForm(FlaskForm):
    # The rule (1 to 80 characters, unique in the competition) is the domain's: its message shows here.
    name = StringField("New name", render_kw={"maxlength": 80, "autocomplete": "off"})


class InviteForm(FlaskForm):
    username = StringField("Invite a user by username", render_kw={"autocomplete": "off"})


class AcceptInvitationForm(FlaskForm):
    """Accepting an invitation joins the competition when the user has not yet: then the rules must be accepted."""

    accept_rules = BooleanField("I have read and accept the rules")


class SubmitForm(FlaskForm):
    file = FileField("Prediction file (.csv, .csv.gz or .zip)", validators=[FileRequired("Choose a file to upload.")])
    description = StringField("Description", validators=[Optional(), Length(max=500)])


class ReasonForm(FlaskForm):
    reason = StringField("Reason (shown to the team)", validators=[
        DataRequired("Give a reason; the team will see it."),
        Length(max=500, message="Keep the reason under 500 characters; the team will see it.")])


class ReopenForm(FlaskForm):
    reason = StringField("Reason (kept in the audit log)", validators=[DataRequired(), Length(max=1000)])


class CompetitionForm(FlaskForm):
    """Field names match competitions.spec, so a DomainError's field maps straight onto one."""

    title = StringField("Title", validators=[DataRequired(), Length(max=120)])
    slug = StringField("Slug (in the address)", validators=[DataRequired(), Length(max=64)])
    subtitle = StringField("Subtitle", validators=[Optional(), Length(max=200)])
    description_md = TextAreaField("Description (Markdown)")
    rules_md = TextAreaField("Rules (Markdown)")
    metric = SelectField("Metric")
    metric_params = StringField("Metric parameters (JSON, e.g. {\"k\": 5})", validators=[Optional()])
    labels = StringField("Labels (comma-separated; for label and class metrics)", validators=[Optional()],
                         description="Every label learners may predict, including any absent from the test rows. "
                                     "Left empty, they come from the sample submission or else the solution.")
    id_column = StringField("Id column", default="id", validators=[DataRequired(), Length(max=64)])
    # Date-time pickers: organizer.js shows them in the browser's time zone and sends each field's
    # UTC offset in <name>_tz; without JavaScript the value is UTC, as the page says.
    start_at = StringField("Start", validators=[DataRequired("Give the start.")],
                           render_kw={"type": "datetime-local"})
    deadline_at = StringField("Deadline", validators=[DataRequired("Give the deadline.")],
                              render_kw={"type": "datetime-local"})
    start_at_tz = HiddenField()
    deadline_at_tz = HiddenField()
    team_merger_deadline_tz = HiddenField()
    daily_limit = IntegerField("Submissions per day", default=5)
    total_limit = IntegerField("Total submissions (optional)", validators=[Optional()])
    final_selections = IntegerField("Final selections", default=2)
    max_team_size = IntegerField("Maximum team size (1 = solo only)", default=5)
    team_merger_deadline = StringField("Team merger deadline (optional)",
                                       validators=[Optional()], render_kw={"type": "datetime-local"},
                                       description="The last moment teams may invite, merge and leave. "
                                                   "Empty: 7 days before the deadline.")
    visibility = SelectField("Visibility", choices=[SelectChoice("public"),
                                                         SelectChoice("unlisted", "unlisted (invite link)"),
                                                         SelectChoice("group", "group (its members only)")])
    # Choices are the groups the user hosts for, set by the view.
    group = SelectField("Study group (optional)", choices=[SelectChoice("", "— none —")], validate_choice=False)
    practice = BooleanField("Practice: a warm-up that gives no medals and no points")
    sample_submission = StringField("Sample submission (one of the data files)", validators=[Optional(), Length(max=255)],
                                    description="Checked against the solution, and marked on the Data tab.")
    test_file = StringField("Test file (one of the data files)", validators=[Optional(), Length(max=255)],
                            description="Its id column must hold exactly the solution's ids.")
    data_open = BooleanField("Data open to anyone who can see the competition, without joining")
    public_fraction = FloatField("Public fraction (when the solution has no Usage column)", default=0.3)
    seed = IntegerField("Split seed", default=0)


class NewCompetitionForm(CompetitionForm):
    # Not FileRequired: a solution kept from an earlier try (competitions/kept_uploads.py) counts; the view checks.
    solution = FileField("Hidden solution file")
    files = MultipleFileField("Data files (train.csv, test.csv, sample_submission.csv, …)")


class FilesForm(FlaskForm):
    files = MultipleFileField("Add or replace data files", validators=[DataRequired("Choose at least one file.")])


class SolutionForm(FlaskForm):
    solution = FileField("New solution file", validators=[FileRequired("Choose the new solution file.")])
    # Text fields: the domain checks them as on creation and says what is wrong.
    public_fraction = StringField("Public fraction (when it has no Usage column)", default="0.3")
    seed = StringField("Split seed", default="0")


class ConfirmSolutionForm(FlaskForm):
    # The preview's signed token (competitions/rescoring.py), never a bare hash.
    token = HiddenField(validators=[DataRequired(), Length(max=300)])


class ResetPasswordForm(FlaskForm):
    """Set a new password through an admin's one-time reset link."""

    password = PasswordField("New password", validators=[DataRequired(), Length(min=10, max=1024, message=PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat new password",
                            validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
                            render_kw={"autocomplete": "new-password"})
    sign_out_everywhere = BooleanField("Sign out everywhere: end all my other sessions and revoke my API tokens")
