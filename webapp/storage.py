"""The app's file storage, configured by DATA_DIR."""
from __future__ import annotations

from flask import current_app

from competitions.storage import LocalStorage


def get_storage() -> LocalStorage:
    return LocalStorage(current_app.config["DATA_DIR"])
