"""Writing checked Maven CRM data (:mod:`.read`) into Salescycle in one transaction, in bulk.

The per-opportunity services lock and query for every action, far too slow for 8,800 deals. Instead every entry
is computed with the engine's pure functions (:func:`engine.plan_first_stage`, :func:`engine.plan_update`,
:func:`engine.plan_close`) and turned into rows by the ledger builders of the services
(:func:`salescycle.opportunities.ledger.history`) exactly as ``services._insert_entry`` would leave them, written
with ``bulk_create``, plus a customer for the contact of every Won deal (spec §4.7, §4.8.4) with
:mod:`salescycle.demo.bulk`, shared with ``salescycle generate``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from tqdm import tqdm

from salescycle.contacts.models import Contact, ContactType, Salesperson, Team
from salescycle.core.errors import DomainError
from salescycle.core.numbering import ensure_default_series
from salescycle.demo import bulk
from salescycle.demo.maven import codes
from salescycle.demo.maven.read import ENGAGING, PIPELINE, PROSPECTING, WON, Deal, MavenData, MavenDataError
from salescycle.opportunities import engine, ledger
from salescycle.opportunities.choices import CloseType
from salescycle.opportunities.models import (
    CloseOpportunityCode,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
)
from salescycle.opportunities.selectors.cycles import load_cycle
from salescycle.sales.models import Item

CYCLE = "MAVEN"
WON_CODE = "WON"
LOST_CODE = "LOST"
# (stage, description, completed %, chances of success %, date formula)
STAGES = (
    (1, "Prospecting", Decimal(25), Decimal(40), "+1M"),
    (2, "Engaging", Decimal(60), Decimal(63), "+2M"),
)
CHUNK = 500  # deals planned and written per round; the progress bar moves once per round
BATCH = 1000  # rows per INSERT: stays under PostgreSQL's 65,535 parameters even without UNNEST


@dataclass
class ImportResult:
    """What an import created, and how many deals it skipped because their opportunity number already existed."""

    opportunities: int = 0
    entries: int = 0
    skipped: int = 0
    salespeople: int = 0
    teams: int = 0
    contacts: int = 0
    items: int = 0
    customers: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def import_maven(data: MavenData, *, progress: bool = False) -> ImportResult:
    """Import checked Maven CRM data: setup (teams, salespeople, items, the MAVEN cycle, close codes, contacts) by
    get-or-create, then every deal whose opportunity number does not exist yet, with its entries and customers.

    All or nothing: raises :class:`MavenDataError` (file, line, reason) when the engine refuses a deal, and the
    transaction is rolled back. Importing the same data twice changes nothing the second time.
    """
    result = ImportResult()
    ensure_default_series()
    agent_codes = _salespeople(data, result)
    _items(data, result)
    cycle, close_types = _sales_cycle()
    contact_nos = _contacts(data, result)
    existing = _existing_opportunities([d.opportunity_id for d in data.deals])
    deals = [d for d in data.deals if d.opportunity_id not in existing]
    result.skipped = len(data.deals) - len(deals)
    won_contacts: set[str] = set()
    bar = tqdm(total=len(deals), desc="Importing deals", unit="deal", file=sys.stderr, disable=not progress)
    for chunk in bulk.chunks(deals, CHUNK):
        opportunities: list[Opportunity] = []
        entries: list[OpportunityEntry] = []
        for deal in chunk:
            contact_no = contact_nos[deal.account or codes.UNKNOWN_ACCOUNT_NAME]
            price = data.products[deal.product].sales_price
            try:
                planned = _plan(deal, cycle, price, close_types)
            except DomainError as exc:
                raise MavenDataError(PIPELINE, deal.line, f"{exc.message} ({exc.code})") from None
            opportunity, rows, customer = _rows(deal, planned, contact_no, agent_codes[deal.agent])
            opportunities.append(opportunity)
            entries.extend(rows)
            result.by_status[opportunity.status] = result.by_status.get(opportunity.status, 0) + 1
            if customer is not None:
                won_contacts.add(customer)
        Opportunity.objects.bulk_create(opportunities, batch_size=BATCH)
        OpportunityEntry.objects.bulk_create(entries, batch_size=BATCH)
        result.opportunities += len(opportunities)
        result.entries += len(entries)
        bar.update(len(chunk))
    bar.close()
    result.customers = bulk.ensure_customers(won_contacts)
    bulk.analyze()  # the planner's statistics for the loaded deals
    return result


def _plan(deal: Deal, cycle: engine.Cycle, price: Decimal, close_types: dict[str, str]) -> list[engine.PlannedEntry]:
    """The entries of one deal: first stage on the creation date; Next to Engaging on the engage date; the close."""
    first = engine.plan_first_stage(cycle, date_of_change=deal.creation_date, estimated_value=price)
    planned = [first]
    if deal.stage == PROSPECTING:
        return planned
    assert deal.engage_date is not None  # read.py requires it for every other stage
    active = ledger.active_state(first)
    moved = engine.plan_update(
        cycle,
        active,
        engine.UpdateRequest(engine.ActionType.NEXT, date_of_change=deal.engage_date, estimated_value=price),
        work_date=deal.engage_date,
    )
    planned.append(moved)
    if deal.stage == ENGAGING:
        return planned
    won = deal.stage == WON
    code = WON_CODE if won else LOST_CODE
    closing = engine.plan_close(
        cycle,
        ledger.active_state(moved),
        engine.CloseRequest(
            outcome=CloseType.WON if won else CloseType.LOST,
            close_opportunity_code=code,
            date_closed=deal.close_date,
            sales_value=deal.close_value if won else None,
        ),
        close_code_type=close_types.get(code),
        work_date=deal.close_date or deal.engage_date,
    )
    planned.append(closing)
    return planned


def _rows(
    deal: Deal, planned: list[engine.PlannedEntry], contact_no: str, salesperson_code: str
) -> tuple[Opportunity, list[OpportunityEntry], str | None]:
    """The unsaved opportunity and entries, as ``services._insert_entry`` leaves them after each step, and the
    contact that must be a customer (a Won deal's), or None."""
    own = {
        "no": deal.opportunity_id,
        "description": deal.product,
        "salesperson_id": salesperson_code,
        "contact_id": contact_no,
        "contact_company_id": contact_no,
        "sales_cycle_id": CYCLE,
        "creation_date": deal.creation_date,
    }
    history = ledger.history(planned, ledger.Parties.of(own))
    opportunity = Opportunity(**own, **history.opportunity)
    return opportunity, [OpportunityEntry(**entry) for entry in history.entries], history.customer


def _existing_opportunities(nos: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in bulk.chunks(nos, 900):
        found.update(Opportunity.objects.filter(no__in=chunk).values_list("no", flat=True))
    return found


def _salespeople(data: MavenData, result: ImportResult) -> dict[str, str]:
    """Teams per manager and office, a salesperson per agent (matched by name), memberships. Agent → code."""
    managers = codes.initials_codes((a.manager for a in data.agents), prefix="MGR-")
    manager_teams = {name: (code, name) for name, code in managers.items()}
    office_teams = {
        a.regional_office: (codes.office_team_code(a.regional_office), f"{a.regional_office} office")
        for a in data.agents
    }
    for team_code, team_name in [*manager_teams.values(), *office_teams.values()]:
        _team, created = Team.objects.get_or_create(code=team_code, defaults={"name": team_name[:100]})
        result.teams += created
    names = [a.name for a in data.agents]
    existing = dict(Salesperson.objects.filter(name__in=names).order_by("code").values_list("name", "code"))
    taken = {code: name for code, name in Salesperson.objects.values_list("code", "name")}
    computed = codes.initials_codes(names, taken=taken)
    agent_codes = {name: existing.get(name, computed[name]) for name in names}
    new = [Salesperson(code=agent_codes[a.name], name=a.name) for a in data.agents if a.name not in existing]
    Salesperson.objects.bulk_create(new)
    result.salespeople = len(new)
    membership = Salesperson.teams.through
    have = set(
        membership.objects.filter(salesperson_id__in=agent_codes.values()).values_list("salesperson_id", "team_id")
    )
    wanted = []
    for agent in data.agents:
        for team_code in (manager_teams[agent.manager][0], office_teams[agent.regional_office][0]):
            pair = (agent_codes[agent.name], team_code)
            if pair not in have:
                have.add(pair)
                wanted.append(membership(salesperson_id=pair[0], team_id=pair[1]))
    membership.objects.bulk_create(wanted)
    return agent_codes


def _items(data: MavenData, result: ImportResult) -> None:
    for product in data.products.values():
        _item, created = Item.objects.get_or_create(
            code=codes.item_code(product.name),
            defaults={"description": product.name[:100], "unit_price": product.sales_price},
        )
        result.items += created


def _sales_cycle() -> tuple[engine.Cycle, dict[str, str]]:
    """The MAVEN cycle, its two stages and the WON/LOST codes (get-or-create); the engine's cycle, code types."""
    SalesCycle.objects.get_or_create(
        code=CYCLE, defaults={"description": "Maven CRM pipeline", "probability_calculation": "chances_of_success"}
    )
    for stage, description, completed, chances, formula in STAGES:
        SalesCycleStage.objects.get_or_create(
            sales_cycle_id=CYCLE,
            stage=stage,
            defaults={
                "description": description,
                "completed_pct": completed,
                "chances_of_success_pct": chances,
                "date_formula": formula,
            },
        )
    CloseOpportunityCode.objects.get_or_create(code=WON_CODE, defaults={"description": "Won", "type": CloseType.WON})
    CloseOpportunityCode.objects.get_or_create(code=LOST_CODE, defaults={"description": "Lost", "type": CloseType.LOST})
    cycle = load_cycle(CYCLE)
    assert cycle is not None
    close_types = dict(CloseOpportunityCode.objects.filter(code__in=[WON_CODE, LOST_CODE]).values_list("code", "type"))
    return cycle, close_types


def _contacts(data: MavenData, result: ImportResult) -> dict[str, str]:
    """A company contact per account (and ``Unknown account`` when a deal has none), matched by name among the
    ``MAVEN-`` contacts. Account name → contact number."""
    imported = dict(
        Contact.objects.filter(no__startswith=codes.CONTACT_PREFIX, type=ContactType.COMPANY)
        .order_by("no")
        .values_list("name", "no")
    )
    fresh = [a for a in data.accounts if a.name not in imported]
    numbers = {**imported, **codes.contact_numbers([a.name for a in fresh], imported.values())}
    new = [
        Contact(
            no=numbers[a.name],
            type=ContactType.COMPANY,
            company_id=numbers[a.name],
            name=a.name,
            industry=a.industry,
            year_established=a.year_established,
            annual_revenue=a.annual_revenue,
            no_of_employees=a.no_of_employees,
            country_code=a.country_code,
            parent_company_id=numbers[a.parent] if a.parent else None,
        )
        for a in fresh
    ]
    unknown = codes.UNKNOWN_ACCOUNT_NAME
    if unknown not in numbers and any(not d.account for d in data.deals):
        numbers[unknown] = codes.UNKNOWN_ACCOUNT_NO
        new.append(
            Contact(
                no=codes.UNKNOWN_ACCOUNT_NO, type=ContactType.COMPANY, company_id=codes.UNKNOWN_ACCOUNT_NO, name=unknown
            )
        )
    Contact.objects.bulk_create(new)
    result.contacts = len(new)
    return numbers
