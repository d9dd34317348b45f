"""Admin helpers: route deletions through the services so the deletion rules (spec §4.11, D17) apply in the admin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest

from salescycle.core.errors import DomainError


class ServiceDeleteMixin(admin.ModelAdmin):
    """Deletes through ``service_delete(obj)``; a refused deletion shows the rule's message and changes nothing."""

    service_delete: Callable[[Any], None] | None = None

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        try:
            type(self).service_delete(obj)  # type: ignore[misc]
        except DomainError as error:
            self.message_user(request, f"{obj}: {error.message}", messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)
