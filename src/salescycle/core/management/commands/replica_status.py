"""``salescycle replica-status``: each read replica's state and replay lag, as the app sees them (issue #16)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from salescycle.core.replicas import replica_health


class Command(BaseCommand):
    help = (
        "Show each read replica of DATABASE_REPLICA_URL: reachable, in recovery, replay lag in seconds, and whether "
        "reads go there (lag within SALESCYCLE_REPLICA_MAX_LAG_SECONDS). Exit status 1 when one is not usable."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="one JSON object per replica, per line")

    def handle(self, *args: Any, **options: Any) -> None:
        aliases: list[str] = settings.REPLICA_DATABASES
        if not aliases:
            self.stdout.write("No read replica is configured (DATABASE_REPLICA_URL is not set).")
            return
        unusable = []
        for alias in aliases:
            health = replica_health(alias, fresh=True)
            settings_dict = settings.DATABASES[alias]
            where = f"{settings_dict.get('HOST') or 'localhost'}:{settings_dict.get('PORT') or ''}"
            if options["json"]:
                self.stdout.write(
                    json.dumps(
                        {
                            "alias": alias,
                            "server": where,
                            "available": health.available,
                            "in_recovery": health.in_recovery,
                            "lag_seconds": health.lag_seconds,
                            "usable": health.usable,
                            "error": health.error,
                        }
                    )
                )
            elif not health.available:
                self.stdout.write(f"{alias} ({where}): unavailable: {health.error}")
            else:
                state = "in use" if health.usable else f"lagging (limit {settings.REPLICA_MAX_LAG_SECONDS:g} s)"
                role = "standby" if health.in_recovery else "not in recovery (a primary?)"
                self.stdout.write(f"{alias} ({where}): {role}, lag {health.lag_seconds:.3f} s, {state}")
            if not health.usable:
                unusable.append(alias)
        if unusable:
            raise CommandError(f"not usable: {', '.join(unusable)}; reads go to the primary", returncode=1)
