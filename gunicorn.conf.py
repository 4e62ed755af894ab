"""gunicorn settings for evalflow, from the environment.

    gunicorn -c gunicorn.conf.py 'evalflow:create_app()'

gunicorn also reads this file on its own when started from this folder without `-c`.
Command-line flags override what is set here (the tests' live server does so for its port).

| variable | default | what |
| --- | --- | --- |
| `EVALFLOW_BIND` | `127.0.0.1:8000`, or `0.0.0.0:$PORT` | where to listen (comma-separated) |
| `WEB_CONCURRENCY` | 2 × CPUs + 1, at most 8 | worker processes |
| `EVALFLOW_THREADS` | 1 | threads per worker (more than 1 switches to gthread) |
| `EVALFLOW_TIMEOUT` | 60 | seconds a request may take before its worker is replaced |
| `EVALFLOW_PRELOAD` | 1 | build the app once in the master, before forking workers |
| `FORWARDED_ALLOW_IPS` | `127.0.0.1,::1` | proxies whose X-Forwarded-Proto gunicorn trusts |
| `EVALFLOW_MAX_REQUESTS` | 10000 | requests after which a worker is replaced (0: never) |
"""

from __future__ import annotations

import os


def _cpus() -> int:
    # The CPUs this process may run on (a container's share), not the host's count.
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:
        return os.cpu_count() or 1


def _bind() -> list[str]:
    if os.environ.get("EVALFLOW_BIND"):
        return [part.strip() for part in os.environ["EVALFLOW_BIND"].split(",") if part.strip()]
    if os.environ.get("PORT"):  # the platforms' convention, as gunicorn itself reads it
        return [f"0.0.0.0:{int(os.environ['PORT'])}"]
    return ["127.0.0.1:8000"]


def _json_logs() -> bool:
    production = os.environ.get("EVALFLOW_ENV", "development") == "production"
    return os.environ.get("EVALFLOW_LOG_FORMAT", "json" if production else "text") == "json"


bind = _bind()

# Each worker holds a database pool and WeasyPrint's fonts (about 100 MiB once a letter has
# been rendered): past 8 workers a machine gains little but memory; add machines instead.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * _cpus() + 1, 8)))

# Sync workers: requests are short and mostly wait on the database, nginx buffers slow
# clients' uploads and downloads in front of us, and a single-threaded worker may fork its
# letter-rendering processes directly (evalflow.decisions.letters; a threaded one must go
# through a forkserver) and renders one letter at a time anyway. EVALFLOW_THREADS > 1 makes
# gunicorn use gthread instead, for a deployment without a buffering proxy.
worker_class = "sync"
threads = int(os.environ.get("EVALFLOW_THREADS", 1))

# A letter renders in about 0.1 s and a batch goes to the queue (or to the CLI); a request
# still running after a minute is stuck. nginx's proxy_read_timeout should be longer.
timeout = int(os.environ.get("EVALFLOW_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5  # seconds, for gthread behind a proxy that reuses connections

# Replacing a worker now and then caps whatever a long-lived process slowly accumulates; not
# too often, since a new worker compiles its templates and opens its connections again.
max_requests = int(os.environ.get("EVALFLOW_MAX_REQUESTS", 10000))
max_requests_jitter = max_requests // 10

# Preloading builds the app once in the master: workers share its memory, start at once,
# and a configuration error (no SECRET_KEY in production) stops the master before any worker
# is forked. It is safe because create_app opens no connection and starts no thread; the
# post_fork hook below still drops any pooled database connection a worker could inherit.
# Code changes then need a restart, not a HUP.
preload_app = os.environ.get("EVALFLOW_PRELOAD", "1") != "0"

# gunicorn's control socket sits in the user's home (one per user, not per server) and the
# deployment does not use it: signals (HUP, TTIN, TTOU, TERM) do its job.
control_socket_disable = True

# The app writes one structured line per request itself (evalflow.request_log), with the
# request id and the signed-in user; gunicorn's access log would only repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("EVALFLOW_LOG_LEVEL", "info").lower()

# gunicorn sets the URL scheme (https) from X-Forwarded-Proto only for these addresses; the
# client address and host come from the app's ProxyFix (EVALFLOW_PROXIES).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

if _json_logs():
    # gunicorn's own messages (workers booting, timeouts) as JSON lines too, on stderr.
    logconfig_dict = {
        "root": {"level": "WARNING", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stderr"],
                               "propagate": False, "qualname": "gunicorn.error"},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False,
                                "qualname": "gunicorn.access"},
        },
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json",
                       "stream": "ext://sys.stderr"},
        },
        "formatters": {"json": {"()": "evalflow.request_log.JsonFormatter"}},
    }


def post_fork(server, worker):
    """Forget the database connections a preloaded app may hold: each worker opens its own."""
    app = getattr(server.app, "callable", None)
    engines = getattr(app, "extensions", {}).get("sqlalchemy")
    if engines is None:
        return
    with app.app_context():
        for engine in engines.engines.values():
            engine.dispose(close=False)  # the master's sockets stay the master's
