"""The Opportunity List's column preference and saved views per user, and an index for each new order of the list
(issue #15 "The list"): by salesperson and by Calcd. Current Value on both databases (by contact and by status read
``opp_contact`` and ``opp_status``), and on PostgreSQL the API's orders by salesperson and by contact, NULLs first
(as migration 0007 for the Estimated Closing Date: the API sorts NULLs as the smallest value on every database, and
SQLite's own indexes already do; SQLite's CREATE INDEX has no NULLS clause, hence SQL for PostgreSQL only)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


API_INDEXES = {
    "opp_api_salesperson": "(salesperson_code ASC NULLS FIRST, no)",
    "opp_api_contact": "(contact_no ASC NULLS FIRST, no)",
}


def _create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in API_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON opportunities_opportunity {columns}")


def _drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in API_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contacts", "0001_initial"),
        ("opportunities", "0012_search_trigram"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ListPreference",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="opportunity_list_preference",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                ("columns", models.JSONField(default=list, verbose_name="columns")),
            ],
            options={
                "verbose_name": "opportunity list preference",
                "verbose_name_plural": "opportunity list preferences",
            },
        ),
        migrations.CreateModel(
            name="SavedView",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=60, verbose_name="name")),
                ("query", models.CharField(blank=True, max_length=2000, verbose_name="query")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
            ],
            options={
                "verbose_name": "saved view",
                "verbose_name_plural": "saved views",
                "ordering": ["user", "name"],
            },
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(fields=["salesperson", "no"], name="opp_salesperson"),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(fields=["calculated_current_value", "no"], name="opp_calculated_current_value"),
        ),
        migrations.AddField(
            model_name="savedview",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="saved_views",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AddConstraint(
            model_name="savedview",
            constraint=models.UniqueConstraint(fields=("user", "name"), name="saved_view_user_name"),
        ),
        migrations.RunPython(_create, _drop, elidable=False),
    ]
