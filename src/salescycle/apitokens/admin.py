from typing import Any

from django.contrib import admin

from salescycle.apitokens.models import ApiToken, IdempotencyKey


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("key_prefix", "user", "name", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    search_fields = ("key_prefix", "name", "user__username")
    readonly_fields = ("key_prefix", "key_hash", "created_at", "last_used_at")


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    """Read-only: the keys are written by the API in the transaction of the write they answer."""

    list_display = ("key", "user", "status_code", "created_at")
    search_fields = ("key", "user__username")
    readonly_fields = ("user", "key", "fingerprint", "status_code", "response_headers", "response_body", "created_at")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
