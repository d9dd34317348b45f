"""Helpers for the demo and importer tests: where the Maven CRM data lives, and a snapshot of the database."""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

from django.conf import settings

from salescycle.contacts.models import Contact, Customer, Salesperson, Team
from salescycle.core.models import NumberSeries
from salescycle.opportunities.models import Opportunity, OpportunityEntry
from salescycle.sales.models import Item
from salescycle.tasks.models import Task


def maven_dir() -> Path:
    """The shared Maven CRM folder beside the repository (``MAVEN_CRM_DIR`` overrides it)."""
    override = os.environ.get("MAVEN_CRM_DIR")
    if override:
        return Path(override)
    repo_root = Path(settings.BASE_DIR).parents[1]
    return repo_root.parent / "shared" / "data" / "maven-crm"


def read_csv(name: str, folder: Path | None = None) -> list[dict[str, str]]:
    """The rows of one Maven CRM file, read independently of the importer."""
    with ((folder or maven_dir()) / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def snapshot() -> dict[str, object]:
    """Row counts and a checksum over every opportunity and entry column: equal snapshots mean nothing changed."""
    digest = hashlib.sha256()
    for model in (Opportunity, OpportunityEntry):
        fields = [f.attname for f in model._meta.concrete_fields]
        for row in model.objects.order_by("pk").values_list(*fields):
            digest.update(repr(row).encode())
    return {
        "opportunities": Opportunity.objects.count(),
        "entries": OpportunityEntry.objects.count(),
        "contacts": Contact.objects.count(),
        "salespeople": Salesperson.objects.count(),
        "teams": Team.objects.count(),
        "memberships": Salesperson.teams.through.objects.count(),
        "items": Item.objects.count(),
        "customers": Customer.objects.count(),
        "tasks": Task.objects.count(),
        "series": sorted(NumberSeries.objects.values_list("code", "last_no_used")),
        "checksum": digest.hexdigest(),
    }
