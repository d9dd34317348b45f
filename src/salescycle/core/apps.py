from django.apps import AppConfig
from django.urls import register_converter
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from salescycle.core import (
    checks,  # noqa: F401 - imported for its @register side effect
    translation,
)
from salescycle.core.keys import KeyConverter


class CoreConfig(AppConfig):
    name = "salescycle.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        """Register the system checks of ``core/checks.py`` (the demo password warning of ``check --deploy``) and the
        ``<key:…>`` path converter of the web routes (before any URLconf is loaded), and translate the texts of the
        modules without Django (``core/translation.py``: engine messages, enumeration labels) with Django's; connect
        the sign-in receiver that caches the user's language in the session (``core/middleware.py``) before the first
        sign-in, not when the first request loads the middleware."""
        # In-function import (Django's idiom): the middleware module uses a model, which cannot be imported while the
        # app registry is being populated; importing it connects its @receiver.
        from salescycle.core import middleware  # noqa: F401

        register_converter(KeyConverter, "key")
        translation.install(gettext, lambda day: date_format(day, "SHORT_DATE_FORMAT"))
