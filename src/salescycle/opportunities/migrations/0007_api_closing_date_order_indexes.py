"""PostgreSQL only: indexes for the API's order by Estimated Closing Date, NULLs first.

The API sorts NULLs as the smallest value on every database (``core.pagination.Nulls.SMALLEST``: first ascending,
last descending), so that a client sees the same order on SQLite and PostgreSQL. SQLite puts NULLs first ascending
anyway, so ``opp_estimated_closing`` and ``opp_salesperson_closing`` serve that order there; PostgreSQL's indexes put
them last ascending, so it sorted every matching row for each page instead (the whole table for the unfiltered list,
all of a salesperson's opportunities for the filtered one). These two indexes have the API's order (read forwards
for ``estimated_closing_date``, backwards for ``-estimated_closing_date``); the web list keeps the database's own
NULL order and the existing indexes. SQLite's CREATE INDEX has no NULLS clause, hence SQL for PostgreSQL only.
"""

from django.db import migrations

INDEXES = {
    "opp_api_closing": "(estimated_closing_date ASC NULLS FIRST, no)",
    "opp_api_salesperson_closing": "(salesperson_code, estimated_closing_date ASC NULLS FIRST, no)",
}


def _create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON opportunities_opportunity {columns}")


def _drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0006_entry_active_action_statistics")]

    operations = [migrations.RunPython(_create, _drop, elidable=False)]
