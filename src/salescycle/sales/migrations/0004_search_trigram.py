"""Issue #15: the items' numbers and descriptions through a trigram index, for the item lookup of the quote lines
(``core/search.py``): FTS5 on SQLite, ``pg_trgm`` on PostgreSQL."""

from django.db import migrations

from salescycle.core.search import search_index


class Migration(migrations.Migration):
    dependencies = [("sales", "0003_report_invalid_keys"), ("contacts", "0002_search_trigram")]

    operations = [search_index("sales_item", ["code", "description"], postgresql_columns=["description"])]
