"""The Opportunity List's default view per user (issue #15 "The list": "My pipeline" as the default): a built-in
view's key or one of the user's saved views, never both."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0013_list_views_and_sort_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="listpreference",
            name="default_saved_view",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="opportunities.savedview",
                verbose_name="default saved view",
            ),
        ),
        migrations.AddField(
            model_name="listpreference",
            name="default_view",
            field=models.CharField(blank=True, default="", max_length=20, verbose_name="default view"),
        ),
        migrations.AddConstraint(
            model_name="listpreference",
            constraint=models.CheckConstraint(
                condition=models.Q(("default_view", ""), ("default_saved_view__isnull", True), _connector="OR"),
                name="list_preference_one_default_view",
            ),
        ),
    ]
