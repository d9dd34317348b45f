"""Salescycle settings, read from the environment (see README "Configuration").

Environment variables:
- ``DATABASE_URL``: any URL dj-database-url understands; default an embedded SQLite file in ``SALESCYCLE_DATA_DIR``.
- ``DATABASE_REPLICA_URL``: one or more PostgreSQL streaming replicas of ``DATABASE_URL`` (separated by commas or
  spaces), added as the aliases ``replica``, ``replica2``, …; the read-only pages and endpoints read from them
  (``core/replicas.py``). ``SALESCYCLE_REPLICA_STICKY_SECONDS`` (default 5): a user who wrote reads from the primary
  for that long; ``SALESCYCLE_REPLICA_MAX_LAG_SECONDS`` (default 10): a replica further behind is left out;
  ``SALESCYCLE_REPLICA_CHECK_SECONDS`` (default 5): how long each process trusts its last look at a replica.
- ``SALESCYCLE_DATA_DIR``: folder for the embedded database (default ``./data``).
- ``SECRET_KEY``: the signing key; required when ``DEBUG`` is off (start-up fails without it). With ``DEBUG`` on, a
  fixed development key is used when it is unset. ``make run`` keeps a random one in ``data/secret_key``.
- ``DEBUG``: ``1``/``true`` for development (default off).
- ``SALESCYCLE_HTTPS``: ``1`` when the site is served over HTTPS: secure cookies and redirect from http to https.
- ``SECURE_HSTS_SECONDS``: HSTS max-age in seconds (default 0: no HSTS header); with ``SECURE_HSTS_INCLUDE_SUBDOMAINS``
  and ``SECURE_HSTS_PRELOAD`` (both default off).
- ``SALESCYCLE_PROXY_SSL_HEADER``: ``1`` behind a TLS-terminating proxy that sets ``X-Forwarded-Proto`` (and strips it
  from clients' requests).
- ``ALLOWED_HOSTS``: comma-separated (default ``127.0.0.1,localhost``).
- ``CSRF_TRUSTED_ORIGINS``: comma-separated origins.
- ``LOCAL_CURRENCY_CODE``: the LCY code shown with amounts (default ``EUR``), D19.
- ``TIME_ZONE``: the server's time zone, used for "today" as the default WorkDate (default ``UTC``).
- ``LOG_LEVEL``: root log level (default ``INFO``); ``LOG_FORMAT``: ``json`` (default, one object per line on
  stderr) or ``console``.
- ``SENTRY_DSN``: turns on Sentry error tracking (off when unset); ``SENTRY_ENVIRONMENT``,
  ``SENTRY_TRACES_SAMPLE_RATE``.
- ``SALESCYCLE_SERVER_NAME``: this app server's name, sent in an ``X-Served-By`` response header (default unset: no
  header); ``scripts/with-appservers.sh`` sets one per server.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from salescycle.core.log_config import configure_structlog, init_error_tracking, logging_settings


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SALESCYCLE_DATA_DIR", Path.cwd() / "data")).resolve()

DEBUG = _env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # mypy's django-stubs plugin imports these settings to type the models; it serves nothing, so no key is needed.
    if not DEBUG and "mypy" not in sys.modules:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set and DEBUG is off. Set SECRET_KEY to a long random value, e.g. "
            "SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')\", keep it secret and "
            "the same on every app server (`make run` keeps one in data/secret_key), or set DEBUG=1 for development."
        )
    # Development (DEBUG on) and type-checking only. The tests get theirs from pyproject.toml (pytest-env).
    SECRET_KEY = "salescycle-insecure-development-key-change-me"  # noqa: S105

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "django_htmx",
    "django_structlog",
    "template_partials",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "salescycle.core",
    "salescycle.contacts",
    "salescycle.tasks",
    "salescycle.jobs",
    "salescycle.opportunities",
    "salescycle.sales",
    "salescycle.demo",
    "salescycle.apitokens",
]

# Several app servers (issue #16): this server's name, sent back in an X-Served-By response header when set
# (scripts/with-appservers.sh names its servers app1, app2, …, so a client behind the balancer sees which answered).
SERVER_NAME_HEADER = os.environ.get("SALESCYCLE_SERVER_NAME", "").strip()
if SERVER_NAME_HEADER and not re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", SERVER_NAME_HEADER):
    raise ImproperlyConfigured("SALESCYCLE_SERVER_NAME must be 1-64 of A-Z a-z 0-9 . _ : -")

MIDDLEWARE = [
    # Off (MiddlewareNotUsed) unless SALESCYCLE_SERVER_NAME is set.
    "salescycle.core.request_log.ServedByMiddleware",
    # First, so that every answer (also 413 and 503) carries X-Request-ID and gets its one log line.
    "salescycle.core.request_log.RequestIdMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "salescycle.core.request_log.ApiBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Read-only views marked @reads_from_replica read from a replica; a write keeps its user on the primary a while.
    "salescycle.core.replicas.ReplicaMiddleware",
    "salescycle.core.middleware.UserLanguageMiddleware",
    # A signed-in user without a role gets the 403 page everywhere but sign-in/out, language and work date.
    "salescycle.contacts.middleware.RoleRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "salescycle.urls"
WSGI_APPLICATION = "salescycle.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "salescycle.core.views.header_context",
            ],
        },
    }
]


def _database_config() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL")
    if url:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    else:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "salescycle.sqlite3")}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        options = dict(config.get("OPTIONS") or {})  # type: ignore[call-overload]
        # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at BEGIN so two
        # transactions never deadlock upgrading a read lock (Django 5.1+); the busy timeout waits for it.
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 30)
        options.setdefault(
            "init_command",
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=30000; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;",
        )
        config["OPTIONS"] = options
        config["CONN_MAX_AGE"] = 0
        config.pop("CONN_HEALTH_CHECKS", None)
    return config


def _replica_aliases(count: int) -> list[str]:
    return ["replica" if number == 1 else f"replica{number}" for number in range(1, count + 1)]


def _replica_configs() -> dict[str, dict[str, object]]:
    """The read replicas of ``DATABASE_REPLICA_URL`` (issue #16 item 2), configured like ``default``. In tests each
    is a mirror of ``default``: Django creates no test database on it, and only points it at the test database's
    name, which a real streaming standby has because it replicates the whole cluster (``tests/test_replica.py``)."""
    urls = [url for url in re.split(r"[,\s]+", os.environ.get("DATABASE_REPLICA_URL", "")) if url]
    configs: dict[str, dict[str, object]] = {}
    for alias, url in zip(_replica_aliases(len(urls)), urls, strict=True):
        config = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
        # A replica host that does not answer must not hold requests for libpq's default (no timeout): after this
        # many seconds the connect fails, the replica is left out and reads go to the primary (core/replicas.py).
        config["OPTIONS"] = {"connect_timeout": 3, **dict(config.get("OPTIONS") or {})}  # type: ignore[call-overload]
        config["TEST"] = {"MIRROR": "default"}
        configs[alias] = config
    return configs


DATABASES = {"default": _database_config(), **_replica_configs()}
if len(DATABASES) > 1 and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "DATABASE_REPLICA_URL is set, but DATABASE_URL is not PostgreSQL: read replicas are PostgreSQL streaming "
        "replicas of the primary in DATABASE_URL (see README, Read replicas)."
    )
# The replica aliases reads may go to, in order; empty: everything reads and writes the one database, no router.
REPLICA_DATABASES = [alias for alias in DATABASES if alias != "default"]
DATABASE_ROUTERS = ["salescycle.core.replicas.ReplicaRouter"] if REPLICA_DATABASES else []
REPLICA_STICKY_SECONDS = float(os.environ.get("SALESCYCLE_REPLICA_STICKY_SECONDS", "5"))
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("SALESCYCLE_REPLICA_MAX_LAG_SECONDS", "10"))
REPLICA_CHECK_SECONDS = float(os.environ.get("SALESCYCLE_REPLICA_CHECK_SECONDS", "5"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("nl", _("Dutch")),
    ("de", _("German")),
    ("nb", _("Norwegian Bokmål")),
    ("fi", _("Finnish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
# Amounts and counts with the locale's grouping: 1,234.56 (en), 1.234,56 (nl, de), 1 234,56 (nb, fi; no-break space).
USE_THOUSAND_SEPARATOR = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing folder before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Security ------------------------------------------------------------------------------------------------------

# No script reads a cookie (the CSRF token comes from the page: meta tag, hx-headers, Swagger's data attribute).
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# SALESCYCLE_HTTPS=1 when the site is served over HTTPS (directly or behind a TLS-terminating proxy).
HTTPS = _env_bool("SALESCYCLE_HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
if _env_bool("SALESCYCLE_PROXY_SSL_HEADER", False):
    # Only behind a proxy that sets X-Forwarded-Proto itself and drops the one a client sends.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS is opt-in: browsers remember it for max-age seconds, so turn it on once HTTPS works for good.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", False)
if not HTTPS:
    # Plain HTTP (`make run` on 127.0.0.1, or a trusted network): these deploy checks ask for HTTPS-only settings
    # that cannot work without TLS. Secure cookies would never be sent back over http (no sign-in: W012, W016),
    # SECURE_SSL_REDIRECT would redirect to a port nobody listens on (W008), and browsers ignore HSTS received over
    # http (W004). Every other deploy check stays on; SALESCYCLE_HTTPS=1 turns these four back on.
    SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]

# Content Security Policy (django-csp): no inline script or style anywhere, nothing from other origins. The
# templates have no inline <script> or style="" attribute, and htmx's own indicator <style> is switched off in
# base.html (htmx-config). The API docs (/api/v1/docs: django-ninja's Swagger UI from its bundled static files)
# work under the same policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed sign-ins for one username from one IP address,
# that pair is refused (even with the right password) for the cool-off time; a successful sign-in resets the count.
# Only sign-ins through django.contrib.auth.authenticate() count: API Bearer tokens and force_login() do not.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that loads the roles with the user (issue #8): permission checks cost no query per request.
    "salescycle.contacts.auth.RoleBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"

LOCAL_CURRENCY_CODE = os.environ.get("LOCAL_CURRENCY_CODE", "EUR")

# Logging (issue #12 item 12): one JSON object per line on stderr (LOG_FORMAT=console for readable text), at
# LOG_LEVEL (default INFO: one request_finished line per request). Each line of a request carries its request_id,
# echoed in the X-Request-ID response header. See core/log_config.py and core/request_log.py.
LOGGING = logging_settings(os.environ.get("LOG_LEVEL", "INFO"), os.environ.get("LOG_FORMAT", "json").strip().lower())
configure_structlog()
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True  # RequestIdMiddleware has replaced an insane or missing one
DJANGO_STRUCTLOG_USER_ID_FIELD = None  # core/request_log.py adds the user without reading the lazy request.user
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG  # one line per request: request_finished only
DJANGO_STRUCTLOG_STATUS_4XX_LOG_LEVEL = logging.INFO  # a client's mistake is not the server's warning

# Error tracking: Sentry, only when SENTRY_DSN is set (off by default).
init_error_tracking(os.environ)

# Background jobs (issue #16): django-tasks with its database backend, so the queue is the app's own database
# (SQLite or PostgreSQL) and needs no other server; the worker is `salescycle run-jobs` (make run starts it).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A running job whose heartbeat (written with every committed chunk) is older than this lost its worker: the next
# worker queues it again, and it continues from its last committed chunk.
JOBS_LEASE_SECONDS = int(os.environ.get("SALESCYCLE_JOBS_LEASE_SECONDS", "120"))
# Up to this many rows a batch answers in the request (the API's old answer); more become a background job.
JOBS_SYNC_LIMIT = int(os.environ.get("SALESCYCLE_JOBS_SYNC_LIMIT", "10000"))
# A list report's PDF of more rows than this is drawn by a background job (about 1 ms of drawing per row).
REPORT_PDF_SYNC_ROWS = int(os.environ.get("SALESCYCLE_REPORT_PDF_SYNC_ROWS", "500"))
# The files that jobs write (large exports, long reports' PDFs), one per job, downloaded by whoever may see the job.
JOBS_FILES_DIR = Path(os.environ.get("SALESCYCLE_JOBS_FILES_DIR", DATA_DIR / "exports")).resolve()
# Finished jobs, their files and the queue's result rows older than this many days are removed (`run-jobs` does it
# once an hour; `salescycle prune-jobs` at once).
JOBS_KEEP_DAYS = int(os.environ.get("SALESCYCLE_JOBS_KEEP_DAYS", "30"))
