from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "salescycle.opportunities"
    label = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        # In-function import (Django's idiom): the hooks use models, which cannot be imported while the app registry
        # is being populated.
        from salescycle.opportunities import hooks

        hooks.install()
