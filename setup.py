"""The package build compiles the translations: ``build_py`` writes each ``locale/*/LC_MESSAGES/django.po`` as its
``django.mo`` (polib, a build requirement) into the build, so a wheel or ``pip install .`` serves every language
without GNU gettext or ``make run`` (issue #15). Everything else is in ``pyproject.toml``."""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCatalogs(build_py):
    """``build_py`` that also compiles the message catalogs of the built packages."""

    def run(self) -> None:
        super().run()
        import polib  # a build requirement (pyproject.toml [build-system]); not needed at run time

        for po_path in Path(self.build_lib).glob("salescycle/locale/*/LC_MESSAGES/*.po"):
            polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))


setup(cmdclass={"build_py": BuildPyWithCatalogs})
