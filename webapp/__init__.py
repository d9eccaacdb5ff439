"""Holdout's web layer: HTTP only. Views parse, call competitions/, render."""
from .app import create_app

__all__ = ["create_app"]
