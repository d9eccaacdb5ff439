"""Checks that tie a competition's named data files to its answer key.

The labels a competition declares, its sample submission and its test file
are all public; each must agree with the hidden solution, or learners get a
format that cannot be scored, or a hint about what the solution holds.
"""
from __future__ import annotations

import io

import pandas as pd
from sqlalchemy.orm import Session

import scoring

from . import catalog, solutions
from .errors import DomainError
from .models import Competition
from .storage import Storage

SHOWN = 3  # problems quoted in a refusal; the rest are counted


def declare_labels(competition: Competition, solution_raw: bytes, sample_raw: bytes | None) -> str | None:
    """Store the competition's labels if its metric has them and none were declared.

    Taken from the sample submission (its class columns, or its labels together
    with the solution's), failing that from the solution. Returns where they
    came from ("sample submission", "sample submission and solution" or "solution"),
    or None when nothing was done (declared by the organizer, or a metric without labels).
    """
    metric = scoring.get_metric(competition.metric)
    params = dict(competition.metric_params or {})
    if not metric.has_labels or "labels" in params:
        return None
    from_solution = _solution_labels(competition, solution_raw)
    if sample_raw is not None:
        sample = _read_text_table(sample_raw, "sample_submission")
        others = [c for c in sample.columns if c != competition.id_column]
        if metric.prediction == "probabilities":
            labels, source = others, "sample submission"
        elif len(others) == 1:
            cells = sample[others[0]].str.strip()
            if metric.prediction == "ranked_labels":  # top-k: space-separated labels in each cell
                cells = cells.str.split().explode().dropna()
            shown = set(cells) - {""}
            labels = _natural_order(shown | set(from_solution))
            # Say so when the hidden solution added labels: the organizer must know what was published.
            source = "sample submission" if set(from_solution) <= shown else "sample submission and solution"
        else:
            labels, source = from_solution, "solution"
    else:
        labels, source = from_solution, "solution"
    competition.metric_params = {**params, "labels": [str(v) for v in labels]}
    return source


def check_named_files(session: Session, storage: Storage, competition: Competition, parsed) -> None:
    """The sample submission must be a valid submission and the test file must hold exactly
    the solution's ids. Raises one DomainError with the problems of both; the caller keeps nothing."""
    refusals = []
    if competition.sample_submission:
        problems = _against(session, storage, competition, competition.sample_submission, "sample_submission",
                            lambda stream: scoring.validate_submission(parsed, stream))
        refusals.append(_refusal(problems, f"The sample submission {competition.sample_submission!r} is not a "
                                 "valid submission for this solution", "sample_submission"))
    if competition.test_file:
        problems = _against(session, storage, competition, competition.test_file, "test_file",
                            lambda stream: scoring.check_ids(parsed, stream))
        refusals.append(_refusal(problems, f"The test file {competition.test_file!r} does not hold exactly the "
                                 f"solution's ids in its {competition.id_column!r} column", "test_file"))
    refusals = [r for r in refusals if r is not None]
    if refusals:
        raise DomainError(" ".join(message for message, _ in refusals), field=refusals[0][1])


def _against(session, storage, competition, name: str, field: str, check) -> list:
    try:
        row = catalog.get_file(session, competition, name)
    except DomainError:
        raise DomainError(f"{name!r} is not one of this competition's data files; upload it or choose another.",
                          field=field) from None
    with storage.open(row.sha256) as stream:
        return list(check(stream))


def _refusal(problems: list, what: str, field: str) -> tuple[str, str] | None:
    if not problems:
        return None
    shown = " ".join(p.message for p in problems[:SHOWN])
    more = f" (and {len(problems) - SHOWN} more problems)" if len(problems) > SHOWN else ""
    return f"{what}: {shown}{more}", field


def _solution_labels(competition: Competition, raw: bytes) -> list[str]:
    try:
        parsed = scoring.read_solution(io.BytesIO(raw), competition.metric, id_column=competition.id_column,
                                       **(competition.metric_params or {}))
    except (scoring.SolutionError, ValueError) as exc:
        raise DomainError(f"The solution file is not usable: {exc}", field="solution") from None
    return [str(v) for v in parsed.labels or ()]


def _read_text_table(raw: bytes, field: str) -> pd.DataFrame:
    try:
        return solutions.text_table(raw)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DomainError(f"The sample submission cannot be read as CSV: {exc}", field=field) from None


def _natural_order(labels: set[str]) -> list[str]:
    """Numeric labels by value, others alphabetically: the order the scorer uses."""
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels)
