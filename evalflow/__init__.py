"""evalflow: competitive funding calls end to end."""

from __future__ import annotations

from flask import Flask

from config import Config


def create_app(config: object | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, error handlers, commands."""
    app = Flask(__name__, template_folder="../templates", instance_relative_config=False)
    app.config.from_object(config or Config())
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from evalflow import (
        i18n,
        models,  # noqa: F401  (the metadata must know every table)
        request_log,
    )
    from evalflow.auth.models import User
    from evalflow.extensions import babel, csrf, db, login, migrate
    from evalflow.sessions import SessionInterface
    from evalflow.startup import check_environment, prepare_folders

    request_log.register(app)
    prepare_folders(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations(), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login.init_app(app)
    login.login_view = "auth.login"
    login.login_message = i18n.SIGN_IN_MESSAGE
    login.login_message_category = "info"
    login.user_loader(lambda user_id: db.session.get(User, int(user_id)))
    app.session_interface = SessionInterface()
    i18n.register(app)
    check_environment(app)


def register_blueprints(app: Flask) -> None:
    from evalflow.api import api
    from evalflow.auth.views import auth
    from evalflow.calls.views import designer
    from evalflow.decisions.views import funding
    from evalflow.extensions import csrf
    from evalflow.health import health
    from evalflow.proposals.screening import screening
    from evalflow.proposals.views import applicant
    from evalflow.public import public
    from evalflow.reports.views import dashboards
    from evalflow.reviews.board import board
    from evalflow.reviews.views import reviewing

    # The API authenticates each request by its bearer token, never by a cookie, so a
    # cross-site form cannot act through it: CSRF tokens are for the cookie-based pages.
    csrf.exempt(api)
    app.register_blueprint(api)
    app.register_blueprint(public)
    app.register_blueprint(health)
    app.register_blueprint(auth)
    app.register_blueprint(reviewing)
    app.register_blueprint(applicant)
    for blueprint in (designer, screening, board, funding, dashboards):  # program officers
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from evalflow.api.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from evalflow.cli import register

    register(app)


def _migrations() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")
