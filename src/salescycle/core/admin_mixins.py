"""Admin helpers (issue #12 item 2: the admin never bypasses the rules).

Salescycle's records are written only by the services, which check the actor's rights, apply the business rules,
validate, and bump ``version`` (so ETags see every change). The Django admin is therefore a **read-only** window on
them (:class:`ReadOnlyAdmin`, :class:`ReadOnlyInline`): add, change and delete happen in the web app's setup pages,
the API or the command line. The few admin screens that write (teams, a salesperson's user and teams: the role
assignments no other screen offers) save through a service with ``by=request.user``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows rows without letting the admin add, change or delete them (the services are the only writers)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """An inline table that shows rows without adding, changing or deleting them."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
