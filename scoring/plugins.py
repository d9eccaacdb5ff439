"""Metric plugins: metrics installed as Python packages (see docs/metrics.md).

A package registers metrics under the entry-point group ``holdout.metrics``; each
entry point is named like its metric and names a :class:`scoring.Metric`, built
exactly as a built-in one.  Installing the package makes the metric part of
``scoring.METRICS`` (with ``Metric.plugin`` naming the distribution), of
``python -m scoring metrics`` and of the platform's metric menu.

A plugin is someone else's code, so scoring keeps it at arm's length:

- a plugin that cannot be imported, is not a Metric, is misnamed or would
  replace a built-in (or another plugin's) name is left out, and the reason is
  kept in ``scoring.metrics.registry.plugin_problems()`` and logged;
- its computations run in a worker thread under a time limit
  (``HOLDOUT_METRIC_TIME_LIMIT`` seconds, default 60; 0 turns it off).  If the
  limit passes, scoring raises :class:`MetricError` at once; the thread cannot
  be killed, but it stops at the plugin's next call instead of finishing;
- whatever it raises, an array of the wrong shape, or a non-finite score for a
  part becomes :class:`MetricError`, whose message (for the organizer or the
  administrator, never the learner) names the metric and the plugin.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import re
import threading
from importlib import metadata

import numpy as np

from .metrics.base import Metric
from .problems import MetricError, SolutionError

GROUP = "holdout.metrics"
TIME_LIMIT_VARIABLE = "HOLDOUT_METRIC_TIME_LIMIT"
DEFAULT_TIME_LIMIT = 60.0
# Lower case (names are looked up lower-cased), and short enough for the platform's metric column.
NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")

log = logging.getLogger("holdout.metrics")
log.addHandler(logging.NullHandler())  # the application decides where warnings go (never a bare stderr line)
_local = threading.local()  # the running evaluation's cancellation flag, per worker thread


class _Cancelled(Exception):
    """Raised inside a plugin call once its evaluation ran out of time: nobody waits for it any more."""


# -- discovery -------------------------------------------------------------------
def discover(builtins) -> tuple[dict[str, Metric], list[tuple[str, str]]]:
    """({name: Metric} for the usable plugins, [(entry point name, why it was left out)])."""
    found: dict[str, Metric] = {}
    problems: list[tuple[str, str]] = []
    seen = set()
    for entry in sorted(metadata.entry_points(group=GROUP), key=lambda e: (e.name, e.value)):
        if (entry.name, entry.value) in seen:
            continue
        seen.add((entry.name, entry.value))
        source = _source(entry)
        where = f"metric plugin {entry.name!r} ({entry.value}, from {source})"
        try:
            metric = entry.load()
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - a broken plugin must not break scoring
            problems.append((entry.name, f"{where} could not be loaded: {type(exc).__name__}: {exc}"))
            continue
        problem = _refusal(metric, entry.name, builtins, found)
        if problem:
            problems.append((entry.name, f"{where} {problem}"))
            continue
        found[metric.name] = adopt(metric, source)
    for _, problem in problems:
        log.warning("%s; it is not available", problem)
    return found, problems


def _source(entry) -> str:
    dist = getattr(entry, "dist", None)
    if dist is None:
        return "an unknown distribution"
    return f"{dist.metadata['Name']} {dist.version}"


def _refusal(metric, entry_name: str, builtins, found) -> str | None:
    if not isinstance(metric, Metric):
        return f"is a {type(metric).__name__}, not a scoring.Metric"
    if metric.name != entry_name:
        return f"is the metric {metric.name!r}; the entry point must be named like its metric"
    if not NAME_RE.fullmatch(metric.name):
        return ("has an unusable name: a metric name is 1 to 40 lower-case letters, digits and underscores, "
                "starting with a letter")
    if metric.name in builtins:
        return f"cannot replace the built-in metric {metric.name!r}"
    if metric.name in found:
        return f"repeats the name of the metric from {found[metric.name].plugin}"
    return None


def adopt(metric: Metric, source: str) -> Metric:
    """The plugin's Metric, marked with its source, its calls checked and made cancellable."""
    changes: dict = {"plugin": source}
    if metric.row_values is not None:
        changes["row_values"] = _checked_rows(metric.row_values)
    else:
        changes["compute"] = _checked_compute(metric.compute)
    if metric.check_truth is not None:
        changes["check_truth"] = _guarded_check_truth(metric, source)
    if metric.invalid is not None:
        changes["invalid"] = _guarded_invalid(metric, source)
    if metric.check_params is not None:
        changes["check_params"] = _guarded_check_params(metric.check_params)
    return dataclasses.replace(metric, **changes)


# -- checked calls ---------------------------------------------------------------------
def _stop_if_cancelled() -> None:
    state = getattr(_local, "state", None)
    if state is not None and state.cancelled:
        raise _Cancelled


def _checked_compute(compute):
    def checked(y, p, w, ctx):
        _stop_if_cancelled()
        out = np.asarray(compute(y, p, w, ctx), dtype=np.float64)
        rows = 1 if w is None else w.shape[0]
        if out.ndim == 0 and rows == 1:
            out = out.reshape(1)
        if out.shape != (rows,):
            raise TypeError(f"compute returned an array of shape {out.shape}; it must return one score per row "
                            f"of weights, shape ({rows},)")
        return out

    return checked


def _checked_rows(row_values):
    def checked(y, p, ctx):
        _stop_if_cancelled()
        out = np.asarray(row_values(y, p, ctx), dtype=np.float64)
        if out.shape != (len(y),):
            raise TypeError(f"row_values returned an array of shape {out.shape}; it must return one value per "
                            f"row, shape ({len(y)},)")
        return out

    return checked


def _guarded_check_truth(metric: Metric, source: str):
    def check(y):
        try:
            return metric.check_truth(y)
        except Exception as exc:  # noqa: BLE001
            raise SolutionError(f"metric {metric.name!r} (plugin {source}) failed while checking the solution: "
                                f"{type(exc).__name__}: {exc}") from exc

    return check


def _guarded_invalid(metric: Metric, source: str):
    def invalid(values):
        try:
            mask = np.asarray(metric.invalid(values), dtype=bool)
            if mask.shape != values.shape:
                raise TypeError(f"invalid returned shape {mask.shape} for values of shape {values.shape}")
            return mask
        except Exception as exc:  # noqa: BLE001
            raise MetricError(metric.name, source, "raised",
                              f"raised {type(exc).__name__} while checking predictions: {exc}") from exc

    return invalid


def _guarded_check_params(check_params):
    def check(params):
        try:
            return check_params(params)
        except Exception as exc:  # noqa: BLE001 - a bad parameter is the caller's ValueError
            return f"checking the parameters failed: {type(exc).__name__}: {exc}"

    return check


# -- running under a time limit ---------------------------------------------------------
def time_limit() -> float | None:
    """Seconds a plugin metric may take to score one submission (None: no limit)."""
    raw = os.environ.get(TIME_LIMIT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_TIME_LIMIT
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(f"{TIME_LIMIT_VARIABLE} must be a number of seconds, got {raw!r}") from None
    if not np.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{TIME_LIMIT_VARIABLE} must be 0 (no limit) or a positive number of seconds, got {raw!r}")
    return seconds or None


class _State:
    def __init__(self):
        self.cancelled = False


def run_guarded(metric: Metric, work):
    """``work()`` (the plugin metric's computations) in a worker thread under the time limit.

    Whatever it raises becomes MetricError; so does running out of time.
    """
    limit = time_limit()
    state = _State()
    box: dict = {}

    def target():
        _local.state = state
        try:
            box["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            box["error"] = exc
        finally:
            _local.state = None

    worker = threading.Thread(target=target, name=f"holdout-metric-{metric.name}", daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        state.cancelled = True
        raise MetricError(metric.name, metric.plugin, "time_limit",
                          f"took longer than the time limit of {limit:g} seconds ({TIME_LIMIT_VARIABLE})")
    error = box.get("error")
    if isinstance(error, MetricError):
        raise error
    if error is not None:
        raise MetricError(metric.name, metric.plugin, "raised", f"raised {type(error).__name__}: {error}") from error
    return box["result"]
