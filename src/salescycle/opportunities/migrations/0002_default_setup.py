"""Create the D20 number series and the Marketing Setup row, so a fresh database can number documents."""

from django.db import migrations

SERIES = {
    "opportunity": ("OP", "Opportunities"),
    "contact": ("CT", "Contacts"),
    "quote": ("SQ", "Sales quotes"),
    "order": ("SO", "Sales orders"),
    "posted_invoice": ("PI", "Posted sales invoices"),
    "task": ("TD", "Tasks"),
    "customer": ("CU", "Customers"),
    "segment": ("SG", "Segments"),
    "campaign": ("CP", "Campaigns"),
}


def forwards(apps, schema_editor):
    NumberSeries = apps.get_model("core", "NumberSeries")
    MarketingSetup = apps.get_model("opportunities", "MarketingSetup")
    for code, (prefix, description) in SERIES.items():
        NumberSeries.objects.get_or_create(code=code, defaults={"prefix": prefix, "description": description})
    MarketingSetup.objects.get_or_create(id=1)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("opportunities", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
