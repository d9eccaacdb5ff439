"""Dicts for JSON answers. Nothing here ever includes solution values."""
from __future__ import annotations

from datetime import datetime

from competitions import access, progress
from competitions.models import Competition, CompetitionFile, Submission


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def competition_json(c: Competition, now: datetime, *, manager: bool = False, viewer=None) -> dict:
    body = {
        "slug": c.slug, "title": c.title, "subtitle": c.subtitle, "metric": c.metric,
        "metric_params": c.metric_params or {}, "id_column": c.id_column, "state": c.state_at(now).value,
        "start": _iso(c.start_at), "deadline": _iso(c.deadline_at), "finalized_at": _iso(c.finalized_at),
        "daily_limit": c.daily_limit, "total_limit": c.total_limit, "final_selections": c.final_selections,
        "visibility": c.visibility, "description": c.description_md, "rules": c.rules_md,
        "max_team_size": c.max_team_size, "team_merger_deadline": _iso(c.merger_deadline()),
        "sample_submission": c.sample_submission, "test_file": c.test_file, "data_open": c.data_open,
        "owner": c.owner.username, "group": access.shown_group(c, viewer), "practice": c.practice,
    }
    if manager:
        body["invite_token"] = c.invite_token
        body["published_at"] = _iso(c.published_at)
    return body


def file_json(f: CompetitionFile) -> dict:
    return {"name": f.name, "size": f.size, "sha256": f.sha256}


def _interval(low: float | None, high: float | None) -> list[float] | None:
    return None if low is None or high is None else [low, high]


def submission_json(s: Submission, *, reveal_private: bool, with_team: bool = False) -> dict:
    body = {
        "id": s.id, "status": s.status, "description": s.description, "file_name": s.file_name,
        "created_at": _iso(s.created_at), "public_score": s.public_score,
        "public_ci": _interval(s.public_ci_low, s.public_ci_high), "late": s.is_late, "selected": s.selected,
        "disqualified_reason": s.disqualified_reason, "problems": s.problems or [],
        "solution_version": s.solution_version, "scorer_version": s.scorer_version,
        # What the upload changed for the team (competitions/progress.py); null until computed.
        "feedback": progress.as_json(s.feedback),
    }
    if reveal_private:
        body["private_score"] = s.private_score
        body["private_ci"] = _interval(s.private_ci_low, s.private_ci_high)
    if with_team:
        body["team"] = s.team.name
        body["user"] = s.user.username
    return body
