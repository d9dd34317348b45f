"""``salescycle revoke-token (TOKEN | --prefix P | --user U)``: revoke API tokens."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from salescycle.apitokens.tokens import revoke_tokens


class Command(BaseCommand):
    help = "Revoke an API token, the tokens with a given prefix, or all tokens of a user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("token", nargs="?", default=None)
        parser.add_argument("--prefix", default=None, help="The token's first 8 characters.")
        parser.add_argument("--user", default=None, help="Revoke all tokens of this username.")

    def handle(self, *args: Any, **options: Any) -> None:
        given = [k for k in ("token", "prefix", "user") if options[k]]
        if len(given) != 1:
            raise CommandError("Give exactly one of TOKEN, --prefix or --user.")
        count = revoke_tokens(token=options["token"], prefix=options["prefix"], username=options["user"])
        self.stdout.write(f"{count} token(s) revoked.")
