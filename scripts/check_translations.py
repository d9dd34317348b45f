#!/usr/bin/env python3
"""Compile Salescycle's message catalogs and check the translations (issue #7).

    python scripts/check_translations.py                  compile in place, then check
    python scripts/check_translations.py --compile-to DIR compile into DIR instead (the pytest test)
    python scripts/check_translations.py --compile-only   compile in place, check nothing (``make run``)
    python scripts/check_translations.py --sources        also list marked strings missing from the catalogs
    python scripts/check_translations.py --sources=strict ... and fail on them (``make test``)

Compiling uses GNU ``msgfmt --check`` (format strings, header, plural forms) and writes each ``.mo`` atomically.
The check fails when, in nl/de/nb/fi:

- a message has no translation (or one plural form is empty), or is marked fuzzy;
- the ``%(name)s`` / ``%s`` / ``%%`` / ``{name}`` placeholders of a translation differ from its msgid's;
- a msgid is a term of the glossary (``locale/glossary.csv``, a copy of the shared BC glossary) and its translation
  differs from the glossary's cell for that language (when the cell is not empty). A msgid that differs from the
  glossary term only in case (model verbose names: "sales cycle stages") must match ignoring case. Messages with a
  context (``pgettext``) are exempt: that is how a generic word ("Close" a dialog) avoids the BC term. The
  glossary's cells stand as they are, also the Dutch page and action names that keep the loanword
  ("Opportunity bijwerken"); the Dutch entity in running text is "verkoopkans".

Exit status 0 when all is well, 1 with one line per problem otherwise. Needs polib and GNU gettext.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "salescycle"
LOCALE_DIR = PACKAGE / "locale"
GLOSSARY = LOCALE_DIR / "glossary.csv"
DOMAIN = "django"
LANGUAGES = ("nl", "de", "nb", "fi")
ALL_LANGUAGES = ("en", *LANGUAGES)

_NAMED = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]")
_POSITIONAL = re.compile(r"%(?!\()[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc]")
_BRACE = re.compile(r"\{[\w.\[\]]*(?:![rsa])?(?::[^{}]*)?\}")


def placeholders(text: str, flags: Iterable[str]) -> Counter[str]:
    """The format placeholders of ``text``: named ``%(x)s`` always; ``%s``, ``%%`` and ``{x}`` per the flags."""
    flags = set(flags)
    found: Counter[str] = Counter(match.group(0) for match in _NAMED.finditer(text))
    if "python-format" in flags:
        without_named = _NAMED.sub("", text)
        found["%%"] += without_named.count("%%")
        found.update(match.group(0) for match in _POSITIONAL.finditer(without_named.replace("%%", "")))
    if "python-brace-format" in flags:
        found.update(match.group(0) for match in _BRACE.finditer(text))
    return +found


def load_glossary(path: Path = GLOSSARY) -> dict[str, dict[str, set[str]]]:
    """English glossary term → language → the official translations (non-empty cells only)."""
    terms: dict[str, dict[str, set[str]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            entry = terms.setdefault(row["en"], {})
            for lang in LANGUAGES:
                if row[lang].strip():
                    entry.setdefault(lang, set()).add(row[lang].strip())
    return terms


def expected_terms(msgid: str, lang: str, glossary: dict[str, dict[str, set[str]]]) -> tuple[set[str], bool] | None:
    """The glossary translations a msgid must have in ``lang`` and whether case matters; None when not a term."""
    if msgid in glossary and lang in glossary[msgid]:
        return glossary[msgid][lang], True
    folded = msgid.casefold()
    for term, cells in glossary.items():
        if term.casefold() == folded and lang in cells:
            return cells[lang], False
    return None


def check_catalog(po: polib.POFile, lang: str, glossary: dict[str, dict[str, set[str]]], where: str) -> list[str]:
    """The problems of one language's catalog."""
    problems: list[str] = []
    for entry in po:
        if entry.obsolete:
            continue
        label = f"{where}: {lang}: msgid {entry.msgid!r}" + (f" (context {entry.msgctxt!r})" if entry.msgctxt else "")
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if "fuzzy" in entry.flags:
            problems.append(f"{label}: marked fuzzy")
        if not translations or any(not text.strip() for text in translations):
            problems.append(f"{label}: not translated")
            continue
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        wanted = placeholders(sources[-1], entry.flags)
        for text in translations:
            got = placeholders(text, entry.flags)
            # A singular form may leave out the count ("one opportunity"); the names must still be known ones.
            if got != wanted and not (entry.msgid_plural and set(got) <= set(wanted)):
                problems.append(f"{label}: placeholders {sorted(got.elements())} != {sorted(wanted.elements())}")
        if entry.msgctxt or entry.msgid_plural:
            continue
        term = entry.msgid.replace("%%", "%") if "python-format" in entry.flags else entry.msgid
        expected = expected_terms(term, lang, glossary)
        if expected is None:
            continue
        allowed, case_sensitive = expected
        text = translations[0].replace("%%", "%") if "python-format" in entry.flags else translations[0]
        matches = text in allowed if case_sensitive else text.casefold() in {a.casefold() for a in allowed}
        if not matches:
            problems.append(
                f"{label}: glossary term translated {text!r}, the glossary says {' or '.join(sorted(allowed))!r}"
                " (give a non-BC use of the word its own pgettext context)"
            )
    return problems


def compile_catalog(po_path: Path, mo_path: Path) -> str | None:
    """``msgfmt --check`` ``po_path`` into ``mo_path`` (atomically); the error text, or None when it compiled."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return "msgfmt not found: install GNU gettext (apt-get install gettext)"
    mo_path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=mo_path.parent, prefix=".django-", suffix=".mo")
    os.close(handle)
    try:
        result = subprocess.run(  # noqa: S603 — fixed program, our own files
            [msgfmt, "--check", "-o", temporary, str(po_path)], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            return result.stderr.strip() or f"msgfmt failed ({result.returncode})"
        os.replace(temporary, mo_path)
        return None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def compile_all(locale_dir: Path = LOCALE_DIR, target: Path | None = None) -> list[str]:
    """Compile every language's catalog into ``target`` (default: next to the .po files)."""
    problems = []
    for lang in ALL_LANGUAGES:
        po_path = locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po_path.exists():
            problems.append(f"{po_path}: missing")
            continue
        mo_path = (target or locale_dir) / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        error = compile_catalog(po_path, mo_path)
        if error:
            problems.append(f"{po_path}: does not compile: {error}")
    return problems


def ensure_compiled(locale_dir: Path = LOCALE_DIR) -> bool:
    """Compile in place the catalogs whose ``.mo`` is missing or older than the ``.po`` (for tests run on their
    own, before ``make test`` compiled them); True when one was compiled. Raises RuntimeError when one fails."""
    compiled = False
    for lang in ALL_LANGUAGES:
        po_path = locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo_path = po_path.with_suffix(".mo")
        if po_path.exists() and (not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime):
            error = compile_catalog(po_path, mo_path)
            if error:
                raise RuntimeError(f"{po_path}: {error}")
            compiled = True
    return compiled


def check_all(locale_dir: Path = LOCALE_DIR, glossary_path: Path = GLOSSARY) -> list[str]:
    """Every problem of the nl/de/nb/fi catalogs (see the module docstring)."""
    glossary = load_glossary(glossary_path)
    problems = []
    msgids: dict[str, set[tuple[str | None, str]]] = {}
    for lang in LANGUAGES:
        po_path = locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po_path.exists():
            problems.append(f"{po_path}: missing")
            continue
        po = polib.pofile(str(po_path))
        msgids[lang] = {(e.msgctxt, e.msgid) for e in po if not e.obsolete}
        problems += check_catalog(po, lang, glossary, str(po_path.relative_to(locale_dir.parent)))
    if msgids:
        union = set().union(*msgids.values())
        for lang, ids in msgids.items():
            problems += [f"{lang}: msgid {msgid!r} is missing (run makemessages)" for _ctx, msgid in union - ids]
    return problems


def strings_missing_from_catalogs(locale_dir: Path = LOCALE_DIR) -> list[str]:
    """Marked strings of the sources that the catalogs lack: ``makemessages`` into a scratch copy, then compare."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "salescycle"
        shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "tests"))
        env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "salescycle.settings"}
        result = subprocess.run(
            [sys.executable, "-m", "django", "makemessages", "-l", "nl", "--no-obsolete", "-i", "tests/*"],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            return [f"makemessages failed: {result.stderr.strip()}"]
        fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy / "locale/nl/LC_MESSAGES/django.po"))}
    ours = {(e.msgctxt, e.msgid) for e in polib.pofile(str(locale_dir / "nl/LC_MESSAGES/django.po"))}
    return [f"not in the catalogs yet: {msgid!r}" for _ctx, msgid in sorted(fresh - ours, key=str)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--locale-dir", type=Path, default=LOCALE_DIR)
    parser.add_argument("--glossary", type=Path, default=GLOSSARY)
    parser.add_argument("--compile-to", type=Path, help="write the .mo files here instead of next to the .po files")
    parser.add_argument("--compile-only", action="store_true", help="compile, check nothing else")
    parser.add_argument(
        "--sources", nargs="?", const="warn", choices=["warn", "strict"], help="compare with the marked strings"
    )
    args = parser.parse_args(argv)

    problems = compile_all(args.locale_dir, args.compile_to)
    if not args.compile_only:
        problems += check_all(args.locale_dir, args.glossary)
    if args.sources:
        missing = strings_missing_from_catalogs(args.locale_dir)
        if args.sources == "strict":
            problems += missing
        else:
            for line in missing:
                print(f"warning: {line}", file=sys.stderr)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"check_translations: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    counts = {
        lang: len([e for e in polib.pofile(str(args.locale_dir / lang / "LC_MESSAGES/django.po")) if e.translated()])
        for lang in LANGUAGES
    }
    done = "compiled" if args.compile_only else "compiled and checked"
    print(f"check_translations: {done}; translated messages: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
