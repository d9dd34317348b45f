"""The engine imports no Django (issue #13 item 3): it, the enumerations it reads and the core modules it uses load
in a bare Python process, without settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import salescycle

PURE_MODULES = ("salescycle.opportunities.engine", "salescycle.opportunities.choices")


def test_the_engine_and_its_enumerations_import_without_django_or_settings() -> None:
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}
    source = str(Path(salescycle.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    code = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in PURE_MODULES)
        + "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )

    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
