from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "salescycle.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        """Import every app's ``jobs`` module, where an app may register its kinds of job (``runner.register``), so
        that every process (web and worker) knows them; an app may also register them from its own ``ready``."""
        autodiscover_modules("jobs")
