from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "salescycle.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        """Register the system checks of ``core/checks.py`` (the demo password warning of ``check --deploy``) and the
        ``<key:…>`` path converter of the web routes (before any URLconf is loaded)."""
        from django.urls import register_converter

        from salescycle.core import checks  # noqa: F401 - imported for its @register side effect
        from salescycle.core.keys import KeyConverter

        register_converter(KeyConverter, "key")
