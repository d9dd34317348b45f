"""Reading and validating the Maven CRM files (see ``shared/data/maven-crm/README.md``), before anything is written.

Every file is read with the ``csv`` module (the files have CRLF line endings), every row checked; the first bad row
raises :class:`MavenDataError` naming the file, the line (the header is line 1) and the reason.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from salescycle.core.keys import canonical_key, key_problem
from salescycle.demo.maven.codes import SECTOR_FIXES, country_code, item_code

ACCOUNTS = "accounts.csv"
PRODUCTS = "products.csv"
TEAMS = "sales_teams.csv"
PIPELINE = "sales_pipeline.csv"

PROSPECTING, ENGAGING, WON, LOST = "Prospecting", "Engaging", "Won", "Lost"
DEAL_STAGES = (PROSPECTING, ENGAGING, WON, LOST)

# The pipeline's spelling of a product → the catalogue's (README quirk 1).
PRODUCT_ALIASES = {"GTXPro": "GTX Pro"}

MAX_NO = 20


class MavenDataError(Exception):
    """A bad row (or file) of the Maven CRM data: ``file line N: reason``."""

    def __init__(self, file: str, line: int | None, reason: str) -> None:
        self.file = file
        self.line = line
        self.reason = reason
        super().__init__(f"{file} line {line}: {reason}" if line is not None else f"{file}: {reason}")


@dataclass(frozen=True)
class Account:
    """A row of accounts.csv: a customer company; revenue in millions of USD."""

    name: str
    industry: str
    year_established: int | None
    annual_revenue: Decimal | None
    no_of_employees: int | None
    country_code: str
    parent: str


@dataclass(frozen=True)
class Product:
    """A row of products.csv; ``sales_price`` in whole USD."""

    name: str
    series: str
    sales_price: Decimal


@dataclass(frozen=True)
class Agent:
    """A row of sales_teams.csv."""

    name: str
    manager: str
    regional_office: str


@dataclass(frozen=True)
class Deal:
    """A row of sales_pipeline.csv, checked; ``product`` is the catalogue name, ``account`` "" when blank and
    ``creation_date`` the engage date (or the as-of date for a deal never engaged)."""

    line: int
    opportunity_id: str
    agent: str
    product: str
    account: str
    stage: str
    creation_date: dt.date
    engage_date: dt.date | None
    close_date: dt.date | None
    close_value: Decimal | None


@dataclass(frozen=True)
class MavenData:
    """The four tables of a Maven CRM folder, checked and cross-referenced."""

    accounts: list[Account]
    products: dict[str, Product]
    agents: list[Agent]
    deals: list[Deal]


def _rows(folder: Path, name: str, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    path = folder / name
    if not path.is_file():
        raise MavenDataError(name, None, f"file not found in {folder}")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise MavenDataError(name, 1, "the file is empty") from None
        missing = [c for c in columns if c not in header]
        if missing:
            raise MavenDataError(name, 1, f"missing column(s): {', '.join(missing)}")
        index = {c: header.index(c) for c in columns}
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise MavenDataError(name, reader.line_num, f"{len(row)} fields, expected {len(header)}")
            yield reader.line_num, {c: row[i].strip() for c, i in index.items()}


def _decimal(value: str, column: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{column} {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{column} {value!r} is not a number")
    return number


def _optional_int(value: str, column: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise ValueError(f"{column} {value!r} is not a whole number ≥ 0")
    return int(value)


def _date(value: str, column: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not an ISO date (YYYY-MM-DD)") from None


def read_accounts(folder: Path) -> list[Account]:
    """accounts.csv: unique names, numeric profile figures, known countries, parents that are accounts."""
    columns = ("account", "sector", "year_established", "revenue", "employees", "office_location", "subsidiary_of")
    accounts: list[Account] = []
    lines: dict[str, int] = {}
    for line, row in _rows(folder, ACCOUNTS, columns):
        try:
            name = row["account"]
            if not name:
                raise ValueError("account is blank")
            if len(name) > 100:
                raise ValueError(f"account {name!r} is longer than 100 characters")
            if name in lines:
                raise ValueError(f"account {name!r} also on line {lines[name]}")
            revenue = _decimal(row["revenue"], "revenue") if row["revenue"] else None
            if revenue is not None and revenue < 0:
                raise ValueError(f"revenue {row['revenue']!r} is negative")
            country = country_code(row["office_location"])
            if country is None:
                raise ValueError(f"office_location {row['office_location']!r} is not a known country")
            sector = SECTOR_FIXES.get(row["sector"], row["sector"])
            accounts.append(
                Account(
                    name=name,
                    industry=sector[:50],
                    year_established=_optional_int(row["year_established"], "year_established"),
                    annual_revenue=revenue,
                    no_of_employees=_optional_int(row["employees"], "employees"),
                    country_code=country,
                    parent=row["subsidiary_of"],
                )
            )
        except ValueError as exc:
            raise MavenDataError(ACCOUNTS, line, str(exc)) from None
        lines[name] = line
    for account in accounts:
        if account.parent and account.parent not in lines:
            raise MavenDataError(ACCOUNTS, lines[account.name], f"subsidiary_of {account.parent!r} is not an account")
    return accounts


def read_products(folder: Path) -> dict[str, Product]:
    """products.csv: unique names with distinct item codes and a sales price ≥ 0."""
    products: dict[str, Product] = {}
    codes: dict[str, str] = {}
    for line, row in _rows(folder, PRODUCTS, ("product", "series", "sales_price")):
        try:
            name = row["product"]
            if not name or not item_code(name):
                raise ValueError("product is blank")
            if name in products:
                raise ValueError(f"product {name!r} appears twice")
            code = item_code(name)
            if code in codes:
                raise ValueError(f"product {name!r} gets item code {code}, as {codes[code]!r} does")
            price = _decimal(row["sales_price"], "sales_price")
            if price < 0:
                raise ValueError(f"sales_price {row['sales_price']!r} is negative")
        except ValueError as exc:
            raise MavenDataError(PRODUCTS, line, str(exc)) from None
        codes[code] = name
        products[name] = Product(name=name, series=row["series"], sales_price=price)
    return products


def read_agents(folder: Path) -> list[Agent]:
    """sales_teams.csv: unique agent names, each with a manager and a regional office."""
    agents: dict[str, Agent] = {}
    for line, row in _rows(folder, TEAMS, ("sales_agent", "manager", "regional_office")):
        name = row["sales_agent"]
        reason = None
        if not name:
            reason = "sales_agent is blank"
        elif len(name) > 50:
            reason = f"sales_agent {name!r} is longer than 50 characters"
        elif name in agents:
            reason = f"sales_agent {name!r} appears twice"
        elif not row["manager"] or not row["regional_office"]:
            reason = "manager and regional_office must not be blank"
        if reason:
            raise MavenDataError(TEAMS, line, reason)
        agents[name] = Agent(name=name, manager=row["manager"], regional_office=row["regional_office"])
    return list(agents.values())


def read_deals(
    folder: Path, *, agents: set[str], products: dict[str, Product], accounts: set[str], as_of: dt.date
) -> list[Deal]:
    """sales_pipeline.csv, checked row by row in this order: opportunity_id (present, ≤ 20 characters, unique),
    sales_agent known, product known (``GTXPro`` is ``GTX Pro``), account known or blank, deal_stage one of the
    four, engage_date an ISO date (required unless Prospecting), close_date an ISO date (required for Won/Lost,
    blank for open deals, not before engage_date), close_value a number (required for Won)."""
    columns = (
        "opportunity_id",
        "sales_agent",
        "product",
        "account",
        "deal_stage",
        "engage_date",
        "close_date",
        "close_value",
    )
    deals: list[Deal] = []
    seen: dict[str, int] = {}
    for line, row in _rows(folder, PIPELINE, columns):
        try:
            deals.append(_deal(line, row, seen, agents, products, accounts, as_of))
        except ValueError as exc:
            raise MavenDataError(PIPELINE, line, str(exc)) from None
    return deals


def _deal(
    line: int,
    row: dict[str, str],
    seen: dict[str, int],
    agents: set[str],
    products: dict[str, Product],
    accounts: set[str],
    as_of: dt.date,
) -> Deal:
    no = _deal_no(line, row["opportunity_id"], seen)
    if row["sales_agent"] not in agents:
        raise ValueError(f"sales_agent {row['sales_agent']!r} is not in {TEAMS}")
    product = PRODUCT_ALIASES.get(row["product"], row["product"])
    if product not in products:
        raise ValueError(f"product {row['product']!r} is not in {PRODUCTS}")
    if row["account"] and row["account"] not in accounts:
        raise ValueError(f"account {row['account']!r} is not in {ACCOUNTS}")
    stage = row["deal_stage"]
    if stage not in DEAL_STAGES:
        raise ValueError(f"deal_stage {stage!r} is not one of {', '.join(DEAL_STAGES)}")
    engage, close = _deal_dates(row, stage)
    value = _decimal(row["close_value"], "close_value") if row["close_value"] else None
    if value is None and stage == WON:
        raise ValueError("close_value is blank for a Won deal")
    return Deal(
        line=line,
        opportunity_id=no,
        agent=row["sales_agent"],
        product=product,
        account=row["account"],
        stage=stage,
        creation_date=engage or as_of,
        engage_date=engage,
        close_date=close,
        close_value=value,
    )


def _deal_no(line: int, opportunity_id: str, seen: dict[str, int]) -> str:
    """The deal's number, checked (not blank, not too long, the key rule, not seen before) and recorded in
    ``seen``."""
    no = canonical_key(opportunity_id)
    if not no:
        raise ValueError("opportunity_id is blank")
    if len(no) > MAX_NO:
        raise ValueError(f"opportunity_id {no!r} is longer than {MAX_NO} characters")
    problem = key_problem(no)
    if problem is not None:  # the key rule (salescycle.core.keys): a number that could not travel in a URL
        raise ValueError(f"opportunity_id {no!r}: {problem}")
    if no in seen:
        raise ValueError(f"opportunity_id {no} also on line {seen[no]}")
    seen[no] = line
    return no


def _deal_dates(row: dict[str, str], stage: str) -> tuple[dt.date | None, dt.date | None]:
    """The deal's engage and close dates, checked against its ``stage`` and each other."""
    engage = _date(row["engage_date"], "engage_date")
    if engage is None and stage != PROSPECTING:
        raise ValueError(f"engage_date is blank for a {stage} deal")
    close = _date(row["close_date"], "close_date")
    closed = stage in (WON, LOST)
    if close is None and closed:
        raise ValueError(f"close_date is blank for a {stage} deal")
    if close is not None and not closed:
        raise ValueError(f"close_date is filled for a {stage} deal")
    if close is not None and engage is not None and close < engage:
        raise ValueError(f"close_date {close} is before engage_date {engage}")
    return engage, close


def read_folder(folder: Path, *, as_of: dt.date) -> MavenData:
    """Read and check the four tables of ``folder`` (sales teams, products, accounts, then the pipeline).

    ``as_of`` is the creation date of deals without an engage date. Raises :class:`MavenDataError` for the first
    bad row."""
    agents = read_agents(folder)
    products = read_products(folder)
    accounts = read_accounts(folder)
    deals = read_deals(
        folder,
        agents={a.name for a in agents},
        products=products,
        accounts={a.name for a in accounts},
        as_of=as_of,
    )
    return MavenData(accounts=accounts, products=products, agents=agents, deals=deals)
