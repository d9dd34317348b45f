"""``salescycle create-token USERNAME [--name NAME]``: print a new API token for an existing user (one line)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from salescycle.apitokens.tokens import create_token


class Command(BaseCommand):
    help = "Create an API token for an existing user and print it (the token is shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label for the token, e.g. the client using it.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"User {options['username']!r} does not exist.")
        _row, token = create_token(user, name=options["name"])
        self.stdout.write(token)
