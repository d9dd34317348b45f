"""Logging and error tracking set up from the environment (issue #12 item 12); used by ``settings.py``.

- :func:`logging_settings` is Django's ``LOGGING``: every record, ours (``structlog`` and ``logging.getLogger``) and
  Django's (``django.request`` logs each unhandled exception with its traceback), goes to stderr as one JSON object
  per line (``LOG_FORMAT=json``, the default) or as readable text (``LOG_FORMAT=console``), at ``LOG_LEVEL`` (default
  ``INFO``). The request's ``request_id`` (and the user once known) is merged into every record logged while the
  request runs.
- :func:`configure_structlog` routes structlog (django-structlog's request lines) through the same handlers.
- :func:`init_error_tracking` starts Sentry (``sentry-sdk``) only when ``SENTRY_DSN`` is set.

Nothing here imports Django models: the settings module imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog

LOG_FORMATS = ("json", "console")

# Applied to records from the standard library (Django's loggers, logging.getLogger(__name__)) before rendering.
_PRE_CHAIN: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.PositionalArgumentsFormatter(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def _renderer(log_format: str) -> Any:
    if log_format == "console":
        return structlog.dev.ConsoleRenderer(colors=False)
    return structlog.processors.JSONRenderer()


def logging_settings(level: str = "INFO", log_format: str = "json") -> dict[str, Any]:
    """The ``LOGGING`` dict: one handler ``console`` (stderr) with the ``json`` or ``console`` formatter at ``level``
    on the root logger; the traceback of a record with ``exc_info`` is rendered into its ``exception`` field.
    Raises ``ValueError`` for a ``log_format`` other than ``json``/``console``."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    processors = [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        structlog.processors.format_exc_info,
        _renderer(log_format),
    ]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": processors,
                "foreign_pre_chain": _PRE_CHAIN,
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level.upper()},
        # Django's own handlers (mail_admins, the runserver console) are replaced: everything goes to the root.
        "loggers": {
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.server": {"handlers": [], "level": "INFO", "propagate": True},
            # django-axes' start-up banner would open the stderr of every `salescycle` command.
            "axes.apps": {"level": "WARNING"},
        },
    }


def configure_structlog() -> None:
    """Send structlog's events through the standard library (so ``LOGGING`` renders them like Django's records),
    with the request context merged in."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.UnicodeDecoder(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def init_error_tracking(environ: Mapping[str, str], **options: Any) -> bool:
    """Start Sentry error tracking when ``environ["SENTRY_DSN"]`` is set (and not blank); return whether it did.

    Off by default: without ``SENTRY_DSN`` nothing is imported or sent. With it, ``sentry_sdk.init`` gets the DSN, the
    Django integration, ``SENTRY_ENVIRONMENT`` (default ``production``) and ``SENTRY_TRACES_SAMPLE_RATE`` (default 0:
    errors only), and the SDK's default of sending no personal data (no user names, cookies or bodies); ERROR records
    with a traceback (``django.request``, the API's unexpected errors) become Sentry events. ``options`` are passed
    on to ``sentry_sdk.init`` (the tests pass a fake ``transport``)."""
    dsn = environ.get("SENTRY_DSN", "").strip()
    if not dsn:
        return False
    # In-function import: the SDK costs a few hundred milliseconds at start-up, paid only where Sentry is configured.
    from salescycle.core import sentry

    sentry.init(dsn, environ, **options)
    return True
