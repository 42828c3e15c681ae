"""The channel partner portal: `create_app()` builds the Flask application."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user

from .config import PROJECT_ROOT, config_for
from .extensions import babel, csrf, db, login_manager, migrate


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

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    from . import connections, sqlite_support

    sqlite_support.register(app)
    connections.register(app)

    from portal.foundation import planner_stats

    from . import stored_files

    planner_stats.register()
    stored_files.register()

    from portal.foundation import data_version

    data_version.register()

    from .auth import sessions

    sessions.register(app, login_manager)

    from .rendering import register_template_helpers

    register_template_helpers(app)

    from . import inputs

    inputs.register(app)  # before the blueprints: their rules use its `int` converter

    from .admin import bp as admin_bp
    from .audit import bp as audit_bp
    from .auth import bp as auth_bp
    from .deals import bp as deals_bp
    from .errors import register_error_handlers
    from .health import bp as health_bp
    from .imports import bp as imports_bp
    from .main import bp as main_bp
    from .partners import bp as partners_bp

    for blueprint in (auth_bp, main_bp, partners_bp, imports_bp, audit_bp, health_bp, admin_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(deals_bp)
    from .calc import bp as calc_bp
    from .dashboards import bp as dashboards_bp
    from .programs import bp as programs_bp

    app.register_blueprint(programs_bp)
    app.register_blueprint(calc_bp)
    app.register_blueprint(dashboards_bp)
    from .agreements import bp as agreements_bp
    from .onboarding import bp as onboarding_bp
    from .resources import bp as resources_bp
    from .team import bp as team_bp

    app.register_blueprint(onboarding_bp)
    app.register_blueprint(agreements_bp)
    app.register_blueprint(team_bp)
    app.register_blueprint(resources_bp)
    from .rewards import bp as rewards_bp

    app.register_blueprint(rewards_bp)
    from .payables import bp as payables_bp

    app.register_blueprint(payables_bp)
    from .api import bp as api_bp
    from .tokens import bp as tokens_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(tokens_bp)
    register_error_handlers(app)

    # Browsers ask for /favicon.ico whatever the page links: serve the static file there too,
    # under the static endpoint so sign-in and gate hooks treat it like any static file.
    app.add_url_rule(
        "/favicon.ico",
        endpoint="static",
        view_func=app.view_functions["static"],
        defaults={"filename": "img/favicon.ico"},
    )

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

    from .cli import register_commands

    register_commands(app)
    return app
