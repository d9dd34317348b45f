"""Sentry error reporting (``SENTRY_DSN``), imported by :func:`salescycle.core.log_config.init_error_tracking` only
where it is configured: the SDK costs a few hundred milliseconds at start-up."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration


def init(dsn: str, environ: Mapping[str, str], **options: Any) -> None:
    """Start the SDK for ``dsn`` with the Django integration, ``SENTRY_ENVIRONMENT`` (default ``production``),
    ``SENTRY_TRACES_SAMPLE_RATE`` (default 0: errors only); ERROR log records become events. ``options`` go to
    ``sentry_sdk.init``."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        integrations=[
            DjangoIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        **options,
    )
