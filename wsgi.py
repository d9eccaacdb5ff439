"""gunicorn entry point: `gunicorn wsgi:app`."""
import sys

from webapp import create_app
from webapp.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    # A configuration mistake gets one clear line, not a traceback.
    sys.exit(f"Holdout cannot start: {exc}")
