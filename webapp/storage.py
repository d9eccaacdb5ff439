"""The app's file storage, configured by DATA_DIR, and what one upload may cost."""
from __future__ import annotations

from flask import current_app

import scoring
from competitions.errors import NotFound
from competitions.storage import LocalStorage
from competitions.submitting import UploadPolicy


def get_storage() -> LocalStorage:
    return LocalStorage(current_app.config["DATA_DIR"])


def open_stored(sha256: str):
    """A stored file for download; one that housekeeping removed is a clear 404, not a 500."""
    try:
        return get_storage().open(sha256)
    except FileNotFoundError:
        raise NotFound("This file is no longer kept: invalid submissions' files are deleted after "
                       f"{current_app.config['INVALID_RETENTION_DAYS']} days, and others when nothing uses them."
                       ) from None


def upload_policy() -> UploadPolicy:
    """The configured limits (webapp/config.py) as the domain's UploadPolicy."""
    config = current_app.config
    return UploadPolicy(
        limits=scoring.Limits(max_inflated_bytes=config["MAX_INFLATED_MB"] << 20, max_columns=config["MAX_COLUMNS"],
                              max_line_bytes=config["MAX_LINE_KB"] << 10),
        invalid_retention_days=config["INVALID_RETENTION_DAYS"],
        team_storage_bytes=config["TEAM_STORAGE_MB"] << 20,
    )
