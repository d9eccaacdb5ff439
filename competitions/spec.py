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
    visibility: str = Visibility.PUBLIC.value
    # Only used when the solution has no Usage column.
    public_fraction: float = 0.3
    seed: int = 0


# Names accepted from outside, mapped to the spec's own where they differ.
ALIASES = {"start": "start_at", "deadline": "deadline_at", "description": "description_md",
           "rules": "rules_md"}


def parse_spec(data: dict) -> CompetitionSpec:
    """Build a spec from loosely typed input; each error names its field."""
    known = {f.name for f in fields(CompetitionSpec)}
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
        metric_params=_params(clean.get("metric_params") or {}),
        id_column=_text(clean.get("id_column") or "id", "id_column", 64),
        daily_limit=_int(clean.get("daily_limit", 5), "daily_limit", 1, 1000),
        total_limit=None if clean.get("total_limit") in (None, "") else _int(clean["total_limit"], "total_limit", 1, 100000),
        final_selections=_int(clean.get("final_selections", 2), "final_selections", 1, 20),
        visibility=_visibility(clean.get("visibility") or "public"),
        public_fraction=_fraction(clean.get("public_fraction", 0.3)),
        seed=_int(clean.get("seed", 0), "seed", 0, 2**31 - 1),
    )
    if spec.deadline_at <= spec.start_at:
        raise DomainError("The deadline must come after the start.", field="deadline_at")
    _check_metric_params(spec.metric, spec.metric_params)
    return spec


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


def _params(value) -> dict:
    if not isinstance(value, dict):
        raise DomainError("Metric parameters must be a mapping of name to value.", field="metric_params")
    return dict(value)


def _check_metric_params(metric: str, params: dict) -> None:
    try:
        scoring.get_metric(metric).resolve_params(params)
    except ValueError as exc:
        raise DomainError(f"Metric parameters: {exc}.", field="metric_params") from None


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
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def _int(value, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(f"{_label(name)} must be a whole number.", field=name) from None
    if not low <= number <= high:
        raise DomainError(f"{_label(name)} must be between {low} and {high}.", field=name)
    return number


def _fraction(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DomainError("The public fraction must be a number between 0 and 1.", field="public_fraction") from None
    if not 0 < number < 1:
        raise DomainError("The public fraction must be strictly between 0 and 1.", field="public_fraction")
    return number


def _visibility(value) -> str:
    try:
        return Visibility(str(value).lower()).value
    except ValueError:
        raise DomainError("Visibility is 'public' or 'unlisted'.", field="visibility") from None
