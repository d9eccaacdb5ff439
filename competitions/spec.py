"""Validation of a competition's settings, from a form, the API or a bundle."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone

import scoring

from .errors import DomainError
from .models import Visibility

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")


@dataclass
class CompetitionSpec:
    title: str
    slug: str
    metric: str
    start_at: datetime
    deadline_at: datetime
    subtitle: str = ""
    description_md: str = ""
    rules_md: str = ""
    metric_params: dict = field(default_factory=dict)
    id_column: str = "id"
    daily_limit: int = 5
    total_limit: int | None = None
    final_selections: int = 2
    max_team_size: int = 5
    # None: 7 days before the deadline (Competition.merger_deadline()).
    team_merger_deadline: datetime | None = None
    visibility: str = Visibility.PUBLIC.value
    # Names of data files: the sample submission and the test file, both checked against the solution.
    sample_submission: str | None = None
    test_file: str | None = None
    data_open: bool = False
    # A study group's slug: its owners and organizers host it (visibility "group": members only).
    group: str | None = None
    # Practice: no medals and no points at finalize.
    practice: bool = False
    # Only used when the solution has no Usage column.
    public_fraction: float = 0.3
    seed: int = 0


# Names accepted from outside, mapped to the spec's own where they differ.
ALIASES = {"start": "start_at", "deadline": "deadline_at", "description": "description_md",
           "rules": "rules_md"}
# Accepted beside the metric parameters for convenience, and stored among them.
LABELS = "labels"


def parse_spec(data: dict) -> CompetitionSpec:
    """Build a spec from loosely typed input; each error names its field."""
    known = {f.name for f in fields(CompetitionSpec)} | {LABELS}
    clean: dict = {}
    for key, value in data.items():
        name = ALIASES.get(key, key)
        if name not in known:
            raise DomainError(f"Unknown setting {key!r}.", field=key)
        clean[name] = value
    for required in ("title", "slug", "metric", "start_at", "deadline_at"):
        if clean.get(required) in (None, ""):
            raise DomainError(f"{_label(required)} is required.", field=required)
    spec = CompetitionSpec(
        title=_text(clean["title"], "title", 120),
        slug=_slug(clean["slug"]),
        metric=_metric(clean["metric"]),
        start_at=_when(clean["start_at"], "start_at"),
        deadline_at=_when(clean["deadline_at"], "deadline_at"),
        subtitle=_text(clean.get("subtitle", ""), "subtitle", 200, required=False),
        description_md=str(clean.get("description_md") or ""),
        rules_md=str(clean.get("rules_md") or ""),
        metric_params=_params(clean.get("metric_params") or {}, clean.get(LABELS)),
        id_column=_text(clean.get("id_column") or "id", "id_column", 64),
        daily_limit=_int(clean.get("daily_limit", 5), "daily_limit", 1, 1000),
        total_limit=None if clean.get("total_limit") in (None, "") else _int(clean["total_limit"], "total_limit", 1, 100000),
        final_selections=_int(clean.get("final_selections", 2), "final_selections", 1, 20),
        max_team_size=_int(clean.get("max_team_size", 5), "max_team_size", 1, 100),
        team_merger_deadline=None if clean.get("team_merger_deadline") in (None, "") else _when(
            clean["team_merger_deadline"], "team_merger_deadline"),
        visibility=_visibility(clean.get("visibility") or "public"),
        sample_submission=_optional_name(clean.get("sample_submission"), "sample_submission"),
        test_file=_optional_name(clean.get("test_file"), "test_file"),
        data_open=_flag(clean.get("data_open", False), "data_open"),
        group=_optional_name(clean.get("group"), "group"),
        practice=_flag(clean.get("practice", False), "practice"),
        public_fraction=_fraction(clean.get("public_fraction", 0.3)),
        seed=_int(clean.get("seed", 0), "seed", 0, 2**31 - 1),
    )
    if spec.deadline_at <= spec.start_at:
        raise DomainError("The deadline must come after the start.", field="deadline_at")
    if spec.team_merger_deadline is not None and not spec.start_at <= spec.team_merger_deadline <= spec.deadline_at:
        raise DomainError("The team merger deadline must fall between the start and the deadline.",
                          field="team_merger_deadline")
    if spec.visibility == Visibility.GROUP.value and not spec.group:
        raise DomainError("Visibility 'group' needs a group: name the group.", field="group")
    spec.metric_params = _check_metric_params(spec.metric, spec.metric_params)
    return spec


def split_settings(public_fraction, seed) -> tuple[float, int]:
    """The public fraction and seed used to draw a split, checked as on creation."""
    return _fraction(0.3 if public_fraction in (None, "") else public_fraction), _int(
        0 if seed in (None, "") else seed, "seed", 0, 2**31 - 1)


def _label(name: str) -> str:
    return name.replace("_at", "").replace("_", " ").capitalize()


def _text(value, name: str, limit: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(f"{_label(name)} is required.", field=name)
    if len(text) > limit:
        raise DomainError(f"{_label(name)} is limited to {limit} characters.", field=name)
    return text


def _slug(value) -> str:
    slug = str(value).strip().lower()
    if not SLUG_RE.match(slug):
        raise DomainError("The slug is 3 to 64 characters of lowercase letters, digits and '-', "
                          "starting and ending with a letter or digit.", field="slug")
    return slug


def _metric(value) -> str:
    name = str(value).strip()
    try:
        scoring.get_metric(name)
    except (KeyError, ValueError) as exc:
        raise DomainError(str(exc).strip("'\""), field="metric") from None
    return name


def _params(value, labels) -> dict:
    if not isinstance(value, dict):
        raise DomainError("Metric parameters must be a mapping of name to value.", field="metric_params")
    params = dict(value)
    if labels is None or labels == "":  # not given: the platform infers them
        return params
    if labels == []:
        raise DomainError("Labels cannot be an empty list: leave them out to take them from the sample "
                          "submission or the solution.", field=LABELS)
    if isinstance(labels, str):
        # Forms and the command line give "cat, dog, bird".
        labels = [part.strip() for part in labels.split(",") if part.strip()]
    if not isinstance(labels, (list, tuple)):
        raise DomainError("Labels are a list, such as [\"cat\", \"dog\"].", field=LABELS)
    if LABELS in params and list(params[LABELS]) != list(labels):
        raise DomainError("Labels are given twice, differently: in the metric parameters and on their own.",
                          field=LABELS)
    params[LABELS] = list(labels)
    return params


def _check_metric_params(metric: str, params: dict) -> dict:
    """The parameters as given, with labels in the scorer's normal form (so edits compare equal)."""
    try:
        resolved = scoring.get_metric(metric).resolve_params(params)
    except (TypeError, ValueError) as exc:
        field = LABELS if LABELS in str(exc) else "metric_params"
        raise DomainError(f"Metric parameters: {exc}.", field=field) from None
    if LABELS in params:
        params = {**params, LABELS: list(resolved[LABELS])}
    return params


def _optional_name(value, name: str) -> str | None:
    text = str(value or "").strip()
    if len(text) > 255:
        raise DomainError(f"{_label(name)} is limited to 255 characters.", field=name)
    return text or None


def _flag(value, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on", "y"):
        return True
    if text in ("0", "false", "no", "off", "n", ""):
        return False
    raise DomainError(f"{_label(name)} is true or false.", field=name)


MIN_YEAR, MAX_YEAR = 1970, 2200


def _when(value, name: str) -> datetime:
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise DomainError(f"{_label(name)} must be a date and time such as 2026-12-01T18:00Z.",
                              field=name) from None
    # A time without a zone is taken as UTC, which is what the forms say.
    try:
        when = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        when = None
    # Year 1 or 9999 would overflow date arithmetic (deadline + a day) and is never meant.
    if when is None or not MIN_YEAR <= when.year <= MAX_YEAR:
        raise DomainError(f"{_label(name)} must be between the years {MIN_YEAR} and {MAX_YEAR}.", field=name)
    return when


def _int(value, name: str, low: int, high: int) -> int:
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else None
        if number is None:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise DomainError(f"{_label(name)} must be a whole number.", field=name) from None
    if not low <= number <= high:
        raise DomainError(f"{_label(name)} must be between {low} and {high}.", field=name)
    return number


def _fraction(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise DomainError("The public fraction must be a number between 0 and 1.", field="public_fraction") from None
    if not 0 < number < 1:  # NaN fails this too
        raise DomainError("The public fraction must be strictly between 0 and 1.", field="public_fraction")
    return number


def _visibility(value) -> str:
    try:
        return Visibility(str(value).lower()).value
    except ValueError:
        raise DomainError("Visibility is 'public', 'unlisted' or 'group'.", field="visibility") from None
