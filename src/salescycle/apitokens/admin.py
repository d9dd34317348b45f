from django.contrib import admin

from salescycle.apitokens.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("key_prefix", "user", "name", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    search_fields = ("key_prefix", "name", "user__username")
    readonly_fields = ("key_prefix", "key_hash", "created_at", "last_used_at")
