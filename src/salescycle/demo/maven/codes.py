"""The deterministic codes the Maven CRM importer gives to what the data names only by name.

* Salesperson: the agent's initials (first letter of every word, hyphenated parts count as words:
  ``Mei-Mei Johns`` → ``MMJ``), upper-case. When several agents of ``sales_teams.csv`` share initials, each gets
  a number in the alphabetical order of their names (``Cassey Cress`` → ``CC1``, ``Corliss Cosme`` → ``CC2``).
  A code already used by another salesperson moves on to the next free number. An agent whose name already
  belongs to a salesperson keeps that salesperson (re-import).
* Team: ``MGR-<initials>`` per manager (numbered the same way on a clash), ``OFFICE-<NAME>`` per regional office.
* Item: the product name upper-case, every run of other characters than letters and digits made one ``-``
  (``GTX Plus Pro`` → ``GTX-PLUS-PRO``).
* Contact: ``MAVEN-0001``, ``MAVEN-0002``, … in ``accounts.csv`` order for accounts not imported before (matched by
  name among the ``MAVEN-`` contacts), continuing after the highest number in use; ``MAVEN-UNKNOWN`` is the company
  ``Unknown account`` that receives the deals without an account.

All codes are at most 20 characters.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping

MAX_CODE = 20
CONTACT_PREFIX = "MAVEN-"
UNKNOWN_ACCOUNT_NO = "MAVEN-UNKNOWN"
UNKNOWN_ACCOUNT_NAME = "Unknown account"

# Headquarters countries of accounts.csv (and their correct spellings) → ISO 3166-1 alpha-2.
# "Philipines" is the data's own misspelling (README quirk 8).
COUNTRY_CODES: dict[str, str] = {
    "belgium": "BE",
    "brazil": "BR",
    "china": "CN",
    "germany": "DE",
    "italy": "IT",
    "japan": "JP",
    "jordan": "JO",
    "kenya": "KE",
    "korea": "KR",
    "south korea": "KR",
    "norway": "NO",
    "panama": "PA",
    "philipines": "PH",
    "philippines": "PH",
    "poland": "PL",
    "romania": "RO",
    "united states": "US",
    "united kingdom": "GB",
    "france": "FR",
    "netherlands": "NL",
    "canada": "CA",
}

# Spelling mistakes of accounts.csv corrected on import (README quirk 8).
SECTOR_FIXES: dict[str, str] = {"technolgy": "technology"}


def country_code(location: str) -> str | None:
    """The ISO code of a country name of ``accounts.office_location`` ("" for blank), or None when unknown."""
    key = " ".join(location.split()).casefold()
    if not key:
        return ""
    return COUNTRY_CODES.get(key)


def initials(name: str) -> str:
    """First letter or digit of every word of ``name`` (hyphens separate words), upper-case."""
    parts = [p for p in re.split(r"[\s\-]+", name) if p]
    letters = "".join(next((c for c in p if c.isalnum()), "") for p in parts)
    return letters.upper()[: MAX_CODE - 3]


def slug(name: str) -> str:
    """``name`` upper-case with every run of non-alphanumeric characters made one ``-``."""
    return re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")


def item_code(product: str) -> str:
    """The item code of a product name (``GTX Pro`` → ``GTX-PRO``)."""
    return slug(product)[:MAX_CODE]


def office_team_code(office: str) -> str:
    """The team code of a regional office (``Central`` → ``OFFICE-CENTRAL``)."""
    return f"OFFICE-{slug(office)}"[:MAX_CODE]


def initials_codes(names: Iterable[str], *, prefix: str = "", taken: Mapping[str, str] | None = None) -> dict[str, str]:
    """A code per name: ``prefix`` + initials, numbered 1, 2, … in alphabetical order of the names that share
    initials; a code in ``taken`` (code → name) that belongs to another name is skipped to the next number."""
    taken = taken or {}
    groups: dict[str, list[str]] = defaultdict(list)
    for name in dict.fromkeys(names):
        groups[prefix + (initials(name) or "X")].append(name)
    codes: dict[str, str] = {}
    used: set[str] = set()
    for base, members in sorted(groups.items()):
        ordered = sorted(members, key=lambda n: (n.casefold(), n))
        number = 0 if len(ordered) == 1 else 1
        for name in ordered:
            while True:
                code = base if number == 0 else f"{base}{number}"
                number += 1
                owner = taken.get(code)
                if code not in used and (owner is None or owner == name):
                    break
            used.add(code)
            codes[name] = code
    return codes


def contact_numbers(names: Iterable[str], existing: Collection[str]) -> dict[str, str]:
    """``MAVEN-NNNN`` numbers for account ``names`` (in order), after the highest number among ``existing``."""
    highest = 0
    for no in existing:
        suffix = no[len(CONTACT_PREFIX) :]
        if no.startswith(CONTACT_PREFIX) and suffix.isdigit():
            highest = max(highest, int(suffix))
    numbers = {}
    for offset, name in enumerate(dict.fromkeys(names), start=1):
        numbers[name] = f"{CONTACT_PREFIX}{highest + offset:04d}"
    return numbers
