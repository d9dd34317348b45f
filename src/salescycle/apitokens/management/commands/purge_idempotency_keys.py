"""``salescycle purge-idempotency-keys``: delete the API's idempotency keys older than 24 hours."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from salescycle.apitokens.idempotency import purge_expired


class Command(BaseCommand):
    help = "Delete the API's idempotency keys older than 24 hours (they are ignored already; this frees the space)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_expired()
        self.stdout.write(f"{count} expired idempotency key(s) deleted.")
