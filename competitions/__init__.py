"""Holdout's domain: models and use cases. Never imports Flask."""
