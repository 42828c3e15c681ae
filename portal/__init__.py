"""The channel partner portal: `create_app()` builds the Flask application."""

from __future__ import annotations

from importlib import import_module

from flask import Flask, request
from flask_login import current_user

from . import migrations_cli
from .config import PROJECT_ROOT, config_for
from .extensions import babel, csrf, db, login_manager


def select_locale() -> str:
    """User preference, then the browser's Accept-Language, then English."""
    from flask import current_app

    languages = list(current_app.config["LANGUAGES"])
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or "en"


def _private_response() -> bool:
    """The sign-in page, or a response made for a signed-in user (or one whose cookie says so);
    static files are the same for everyone and stay cacheable."""
    from flask import g, session

    if request.endpoint == "static":
        return False
    if request.endpoint == "auth.login":
        return True
    user = g.get("_login_user")
    if user is not None and user.is_authenticated:
        return True
    return "_user_id" in session


def create_app(config: str | type | None = None) -> Flask:
    app = _configure(config)
    _init_extensions(app)
    _register_hooks(app)
    _register_blueprints(app)
    _security_headers(app)
    _commands(app)
    return app


def _configure(config: str | type | None) -> Flask:
    """The Flask application with its settings (refused when a required one is missing), behind
    the configured proxies."""
    config_class = config if isinstance(config, type) else config_for(config)
    config_class.check()
    app = Flask(
        __name__,
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.from_object(config_class)

    from .proxies import trust_proxies

    trust_proxies(app)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrations_cli.register(app)  # Flask-Migrate, bound when a `db` command runs
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"


def _register_hooks(app: Flask) -> None:
    """Database connection set-up, the change listeners of the foundation, sign-in sessions,
    template helpers and the request inputs (before the blueprints: their rules use its `int`
    converter)."""
    from portal.foundation import data_version, planner_stats
    from workflows import webhooks as webhook_delivery

    from . import connections, inputs, sqlite_support, stored_files
    from .auth import sessions
    from .rendering import register_template_helpers

    sqlite_support.register(app)
    connections.register(app)
    planner_stats.register()
    stored_files.register()
    webhook_delivery.register()
    data_version.register()
    sessions.register(app, login_manager)
    register_template_helpers(app)
    inputs.register(app)


# Every feature package's blueprint, in registration order (their request hooks run in it).
BLUEPRINTS = tuple(
    "auth main partners imports audit health admin deals programs calc contests contest_trips "
    "dashboards onboarding agreements team resources rewards payables mdf banking api tokens "
    "webhooks".split()
)


def _register_blueprints(app: Flask) -> None:
    """The features' pages, the error pages, and /favicon.ico."""
    from .errors import register_error_handlers

    for name in BLUEPRINTS:
        app.register_blueprint(import_module(f"{__name__}.{name}").bp)
    register_error_handlers(app)

    # Browsers ask for /favicon.ico whatever the page links: serve the static file there too,
    # under the static endpoint so sign-in and gate hooks treat it like any static file.
    app.add_url_rule(
        "/favicon.ico",
        endpoint="static",
        view_func=app.view_functions["static"],
        defaults={"filename": "img/favicon.ico"},
    )


def _security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        if _private_response():
            # Pages of a signed-in user never stay in a browser's or proxy's cache.
            response.headers["Cache-Control"] = "no-store"
        if app.config["HSTS_SECONDS"]:
            response.headers.setdefault(
                "Strict-Transport-Security",
                f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains",
            )
        return response


def _commands(app: Flask) -> None:
    from .cli import register_commands

    register_commands(app)
