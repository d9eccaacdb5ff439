"""Metric definitions, grouped by kind, and the registry."""
from .base import Metric
from .registry import METRICS, get_metric

__all__ = ["METRICS", "Metric", "get_metric"]
