"""The app's file storage, configured by HOLDOUT_STORAGE_URL (default: the data folder),
and what one upload may cost."""
from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Flask, current_app, g

import scoring
from competitions.errors import NotFound
from competitions.storage import Storage, StorageUnavailable, open_storage
from competitions.submitting import UploadPolicy

from .config import ConfigError
from .errors import error_response

log = logging.getLogger("holdout")


def storage_from_config(config: Mapping) -> Storage:
    """The storage a configuration names: STORAGE_URL (s3://bucket/prefix or a folder), else
    DATA_DIR. Needs no app or request, so a background worker can call it with app.config or a
    plain dict. Cheap: an S3Storage shares this process's one boto3 client."""
    return open_storage(config.get("STORAGE_URL") or config["DATA_DIR"])


def get_storage() -> Storage:
    return storage_from_config(current_app.config)


def init_app(app: Flask) -> None:
    """Check the storage URL's form now (a bad one is a start-up error), and answer a storage
    outage with 503 and a sentence, on pages and in the API alike."""
    try:
        storage_from_config(app.config)
    except ValueError as exc:
        raise ConfigError(f"HOLDOUT_STORAGE_URL: {exc}") from None
    app.register_error_handler(StorageUnavailable, _storage_unavailable)


def _storage_unavailable(exc: StorageUnavailable):
    session = g.get("db")
    if session is not None:
        session.rollback()
    # The operator's sentence goes to the log; people see that it is temporary, not our bucket's name.
    log.error("storage unavailable, request_id=%s: %s", g.get("request_id"), exc)
    return error_response(503, "storage_unavailable",
                          "File storage is unavailable right now. Please try again in a few minutes.",
                          retry_after=60)


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
        # Large files go to a worker (webapp/jobs.py); ASYNC_SCORING_MB 0 queues every upload.
        queue_from_bytes=config["ASYNC_SCORING_MB"] << 20,
    )
