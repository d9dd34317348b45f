"""Issue #15: the opportunities' numbers and descriptions through a trigram index, for the list's ``q``
(``core/search.py``): FTS5 on SQLite, ``pg_trgm`` on PostgreSQL."""

from django.db import migrations

from salescycle.core.search import search_index


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0011_analysis_indexes"), ("contacts", "0002_search_trigram")]

    operations = [search_index("opportunities_opportunity", ["no", "description"])]
