"""Translations work however Salescycle is installed (issue #15): a wheel built from a checkout without compiled
catalogs carries every language's ``django.mo`` (``setup.py`` compiles them in ``build_py``), and the package
installed from it answers in German."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["de", "en", "fi", "nb", "nl"]

CHECK = """
import django, salescycle
from django.utils import translation
assert salescycle.__file__.startswith({package_root!r}), salescycle.__file__
django.setup()
with translation.override("de"):
    print(translation.gettext("Opportunities"), translation.gettext("Print Details"), sep="|")
"""


def _clean_copy(target: Path) -> None:
    """The checkout's build inputs without any compiled catalog or cache (as a fresh clone has them)."""
    for name in ["pyproject.toml", "setup.py", "README.md"]:
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(ROOT / "src", target / "src", ignore=shutil.ignore_patterns("*.mo", "__pycache__", "*.egg-info"))


def test_a_wheel_carries_the_compiled_catalogs_and_speaks_german(tmp_path: Path) -> None:
    source, wheels, installed = tmp_path / "source", tmp_path / "wheels", tmp_path / "installed"
    source.mkdir()
    _clean_copy(source)
    assert not list((source / "src").rglob("*.mo"))

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(wheels), str(source)],
        check=True,
        timeout=600,
    )

    (wheel,) = wheels.glob("salescycle-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(installed)
    for language in LANGUAGES:
        assert f"salescycle/locale/{language}/LC_MESSAGES/django.mo" in names, language
    environment = {
        **os.environ,
        "PYTHONPATH": str(installed),
        "DJANGO_SETTINGS_MODULE": "salescycle.settings",
        "SECRET_KEY": "wheel-test-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    script = CHECK.format(package_root=str(installed))
    answer = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=120, check=True
    )
    assert answer.stdout.strip() == "Verkaufschancen|Details drucken"
