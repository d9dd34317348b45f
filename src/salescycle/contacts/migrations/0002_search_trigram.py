"""Issue #15: the contacts' names (and numbers, on SQLite) through a trigram index, for the opportunity list's ``q``
and the contact lookup (``core/search.py``): FTS5 on SQLite, ``pg_trgm`` on PostgreSQL."""

from django.db import migrations

from salescycle.core.search import search_index


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]

    operations = [search_index("contacts_contact", ["no", "name"], postgresql_columns=["name"])]
