"""Configuration from the environment; every setting has a working default."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _instance_dir() -> Path:
    return Path(os.environ.get("EVALFLOW_INSTANCE", BASE_DIR / "instance")).resolve()


def _database_url(instance: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{instance / 'evalflow.sqlite3'}"
    # Hosted PostgreSQL services hand out postgres:// URLs; SQLAlchemy needs a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    """Settings read once, when the app is created."""

    def __init__(self) -> None:
        self.INSTANCE_DIR = _instance_dir()
        self.SECRET_KEY = os.environ.get("SECRET_KEY", "")
        self.SQLALCHEMY_DATABASE_URI = _database_url(self.INSTANCE_DIR)
        self.SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
        url = self.SQLALCHEMY_DATABASE_URI
        if url.startswith("postgresql") and "connect_timeout=" not in url:
            # An unreachable database host fails a request (and /health) in seconds instead
            # of holding a worker; a connect_timeout given in DATABASE_URL is kept.
            self.SQLALCHEMY_ENGINE_OPTIONS["connect_args"] = {"connect_timeout": 5}
        self.FILES_DIR = Path(os.environ.get("EVALFLOW_FILES", self.INSTANCE_DIR / "files"))
        self.OUTBOX_DIR = Path(os.environ.get("EVALFLOW_OUTBOX", self.INSTANCE_DIR / "outbox"))
        self.MAX_UPLOAD_BYTES = int(os.environ.get("EVALFLOW_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
        # A multipart body carries some framing around the file itself.
        self.MAX_CONTENT_LENGTH = self.MAX_UPLOAD_BYTES + 64 * 1024
        self.PUBLIC_URL = os.environ.get("EVALFLOW_PUBLIC_URL", "http://localhost:5000")
        self.AGENCY_NAME = os.environ.get(
            "EVALFLOW_AGENCY_NAME", "Consejo Nacional de Ciencia y Tecnología"
        )
        self.PROGRAM_NAME = os.environ.get("EVALFLOW_PROGRAM_NAME", "Red de Talentos Mexicanos")
        self.LETTER_PLACE = os.environ.get("EVALFLOW_LETTER_PLACE", "Ciudad de México")
        self.SIGNATORY_NAME = os.environ.get("EVALFLOW_SIGNATORY_NAME", "Titular de la Dirección")
        self.SIGNATORY_TITLE = os.environ.get(
            "EVALFLOW_SIGNATORY_TITLE", "Dirección Adjunta de Desarrollo Científico"
        )
        self.LETTER_PROCESSES = int(
            os.environ.get("EVALFLOW_LETTER_PROCESSES", os.cpu_count() or 1)
        )
        # A letter batch whose worker has shown no sign of life for this long may be replaced.
        self.LETTER_BATCH_STALE_SECONDS = int(
            os.environ.get("EVALFLOW_LETTER_BATCH_STALE_SECONDS", 300)
        )
        # Background work (letter batches, mail) goes to RQ workers when set, inline if not.
        self.REDIS_URL = os.environ.get("REDIS_URL", "")
        self.RQ_QUEUE_PREFIX = os.environ.get("EVALFLOW_QUEUE_PREFIX", "evalflow")
        self.MAIL_SENDER = os.environ.get("EVALFLOW_MAIL_SENDER", "evalflow <no-reply@localhost>")
        # Mail goes to this SMTP server when set, to .eml files in OUTBOX_DIR when not.
        self.SMTP_HOST = os.environ.get("EVALFLOW_SMTP_HOST", "")
        self.SMTP_PORT = int(os.environ.get("EVALFLOW_SMTP_PORT", 587))
        self.SMTP_USERNAME = os.environ.get("EVALFLOW_SMTP_USERNAME", "")
        self.SMTP_PASSWORD = os.environ.get("EVALFLOW_SMTP_PASSWORD", "")
        self.SMTP_TLS = os.environ.get("EVALFLOW_SMTP_TLS", "starttls").strip().lower()
        if self.SMTP_TLS not in ("starttls", "ssl", "none"):
            raise ValueError("EVALFLOW_SMTP_TLS must be starttls, ssl or none")
        self.SMTP_TIMEOUT = float(os.environ.get("EVALFLOW_SMTP_TIMEOUT", 30))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.PERMANENT_SESSION_LIFETIME = int(os.environ.get("EVALFLOW_SESSION_SECONDS", 8 * 3600))
        self.PASSWORD_RESET_SECONDS = 3600
        self.BABEL_DEFAULT_LOCALE = "es"
        self.BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "evalflow" / "translations")
        self.JSON_SORT_KEYS = False
        self.PRODUCTION = os.environ.get("EVALFLOW_ENV", "development") == "production"
        # How many reverse proxies in front of the app set X-Forwarded-* (0: trust none).
        self.PROXIES = int(os.environ.get("EVALFLOW_PROXIES", 0))
        # Logs on standard error: "json" lines (the default in production) or "text".
        self.LOG_FORMAT = os.environ.get(
            "EVALFLOW_LOG_FORMAT", "json" if self.PRODUCTION else "text"
        )
        self.LOG_LEVEL = os.environ.get("EVALFLOW_LOG_LEVEL", "INFO")


class TestingConfig(Config):
    """Settings for the test suite: a throwaway instance folder chosen by the tests."""

    TESTING = True
    __test__ = False  # not a test class, despite its name

    def __init__(self, instance: Path, database_url: str | None = None) -> None:
        super().__init__()
        self.INSTANCE_DIR = instance
        self.FILES_DIR = instance / "files"
        self.OUTBOX_DIR = instance / "outbox"
        self.SECRET_KEY = "test-secret"
        self.SQLALCHEMY_DATABASE_URI = database_url or f"sqlite:///{instance / 'test.sqlite3'}"
        self.LETTER_PROCESSES = 1
        self.WTF_CSRF_ENABLED = False
        self.REDIS_URL = ""  # inline unless a test asks for Redis
        self.SMTP_HOST = ""  # the outbox folder unless a test starts an SMTP server
        self.PUBLIC_URL = "http://localhost"  # links in mail open in the test client
