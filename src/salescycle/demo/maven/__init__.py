"""The Maven CRM importer (issue #6): ``salescycle import-maven DIR``.

:func:`read_folder` checks the files, :func:`import_maven` writes them; see ``codes`` for the code schemes.
"""

from salescycle.demo.maven.load import ImportResult, import_maven
from salescycle.demo.maven.read import MavenData, MavenDataError, read_folder

__all__ = ["ImportResult", "MavenData", "MavenDataError", "import_maven", "read_folder"]
