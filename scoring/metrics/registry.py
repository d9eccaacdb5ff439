"""The metric registry: every metric by name, built-in ones first, then installed plugins.

Plugins (see ``scoring.plugins`` and docs/metrics.md) are looked up once, the first
time the registry is read, so importing scoring never imports a plugin.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from . import binary, multiclass, multilabel, ranking, regression
from .base import Metric

BUILTIN = MappingProxyType(
    {m.name: m for module in (regression, binary, multiclass, multilabel, ranking) for m in module.METRICS}
)


class _Registry(Mapping):
    """A read-only mapping name -> Metric: the built-in metrics, then the plugins found."""

    def __init__(self):
        self._metrics: Mapping[str, Metric] | None = None
        self._problems: tuple[tuple[str, str], ...] = ()
        self._lock = threading.Lock()

    def _all(self) -> Mapping[str, Metric]:
        metrics = self._metrics
        if metrics is None:
            with self._lock:
                if self._metrics is None:
                    from .. import plugins  # here, not at import: plugins import scoring themselves

                    found, problems = plugins.discover(BUILTIN)
                    self._problems = tuple(problems)
                    self._metrics = MappingProxyType({**BUILTIN, **found})
                metrics = self._metrics
        return metrics

    def __getitem__(self, name: str) -> Metric:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __repr__(self) -> str:
        return f"METRICS({', '.join(self._all())})"

    def problems(self) -> tuple[tuple[str, str], ...]:
        """(entry point name, why it was left out) for each installed plugin left out."""
        self._all()
        return self._problems

    def reload(self) -> None:
        """Look the plugins up again on next use (after installing one into a running process)."""
        with self._lock:
            self._metrics = None
            self._problems = ()


METRICS = _Registry()


def plugin_problems() -> tuple[str, ...]:
    """Messages for the plugins that were found but could not be registered."""
    return tuple(message for _, message in METRICS.problems())


def reload_plugins() -> None:
    """Forget the plugins found so far; the next use of the registry looks them up again."""
    METRICS.reload()


def get_metric(name) -> Metric:
    """Look a metric up by name (a Metric passes through); unknown names list the valid ones."""
    if isinstance(name, Metric):
        return name
    key = str(name).strip().lower() if isinstance(name, str) else None
    metric = METRICS.get(key) if key is not None else None
    if metric is None:
        # A plugin of that name that could not be registered says why (for the administrator).
        why = "".join(f" ({message})" for entry, message in METRICS.problems() if entry == key)
        raise ValueError(f"unknown metric {name!r}; valid metrics: {', '.join(sorted(METRICS))}{why}")
    return metric
