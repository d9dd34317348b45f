"""The four roles of issue #8 as Django groups (their rights are in ``contacts/permissions.py``, not in Django
permissions: the services check them)."""

from django.db import migrations

ROLES = ("Salesperson", "Sales Manager", "Administrator", "Viewer")


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def delete_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
