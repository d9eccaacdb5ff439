"""The metric registry: every metric by name."""
from __future__ import annotations

from types import MappingProxyType

from . import binary, multiclass, ranking, regression
from .base import Metric

METRICS = MappingProxyType(
    {m.name: m for module in (regression, binary, multiclass, ranking) for m in module.METRICS}
)


def get_metric(name) -> Metric:
    """Look a metric up by name (a Metric passes through); unknown names list the valid ones."""
    if isinstance(name, Metric):
        return name
    metric = METRICS.get(str(name).strip().lower()) if isinstance(name, str) else None
    if metric is None:
        raise ValueError(f"unknown metric {name!r}; valid metrics: {', '.join(sorted(METRICS))}")
    return metric
