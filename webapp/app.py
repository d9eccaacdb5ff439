"""The application factory."""
from __future__ import annotations

from flask import Flask

from . import auth, cli, cli_backup, cli_jobs, db, errors, filters, input_guard, limits, mailer, security, storage
from .config import config_from_env, instance_dir


def create_app(config: dict | None = None) -> Flask:
    """Build the app from HOLDOUT_* variables, with `config` laid on top (tests use it)."""
    app = Flask(__name__, instance_path=str(instance_dir()))
    app.config.update(config_from_env(config or {}))
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_MB"] * 1024 * 1024

    db.init_app(app)
    mailer.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    storage.init_app(app)
    auth.init_app(app)
    filters.init_app(app)
    input_guard.init_app(app)  # before the blueprints: their <int:...> routes use its converter
    _register_blueprints(app)
    limits.init_app(app)  # after the blueprints: it wraps their views
    cli.init_app(app)
    cli_backup.init_app(app)
    cli_jobs.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        # Behind N reverse proxies, trust exactly N hops of X-Forwarded-*: the client's address
        # for per-address rate limits, https for cookies and links (platform/proxy/nginx.conf).
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    return app


def _register_blueprints(app: Flask) -> None:
    from .views import (  # noqa: F401 - api_discussion adds routes to api.bp  # noqa: F401 - api_groups adds its routes to api.bp
        admin,
        api,
        api_discussion,
        api_docs,
        api_groups,
        competitions,
        discussion,
        groups,
        health,
        notifications,
        organizer,
        profiles,
        teams,
    )

    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(competitions.bp)
    app.register_blueprint(organizer.bp)
    app.register_blueprint(teams.bp)
    app.register_blueprint(discussion.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(groups.bp)
    app.register_blueprint(profiles.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(api_docs.bp)
    app.register_blueprint(health.bp)
