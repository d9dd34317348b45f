"""Report (never change) stored keys that break the key rule of ``salescycle.core.keys`` (issue #12 item 5).

Keys with ``/``, ``\\``, ``?``, ``#``, ``%``, control or invisible characters, edge spaces, only dots or lower-case
letters were accepted before the rule: such a record breaks every page that links to it. This migration lists them
per table (on stdout and as a warning in the log) so that an administrator can fix them by hand, e.g. in the Django
admin, which addresses records by an escaped key; ``salescycle check-integrity`` reports the same until they are
fixed. Renaming a key automatically could collide with another record or with keys known outside the app, so
nothing is renamed. In the ``sales`` app because it comes last: it depends on every app with keyed tables.
"""

import sys

from django.db import migrations

from salescycle.core.keys import log_stored_bad_keys, stored_bad_keys


def report_invalid_keys(apps, schema_editor):
    report = stored_bad_keys(apps)
    log_stored_bad_keys(report)
    for table, keys in report.items():
        sys.stdout.write(f"\n  Keys breaking the key rule in {table} (fix by hand): {', '.join(keys)}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_roles"),
        ("contacts", "0001_initial"),
        ("tasks", "0002_date_formula_validator"),
        ("opportunities", "0007_api_closing_date_order_indexes"),
        ("sales", "0002_documents"),
    ]

    operations = [migrations.RunPython(report_invalid_keys, migrations.RunPython.noop, elidable=True)]
