"""The API's ``*_out`` builders return TypedDicts that mypy checks (issue #13 item 8); each must keep exactly the
fields of the schema it feeds, with the same nullability, or a field added to one would be missed by the other
(pydantic ignores an extra key and fails only at run time on a missing one)."""

from __future__ import annotations

import types
import typing
from typing import Any

import pytest
from pydantic import BaseModel

from salescycle.contacts import me
from salescycle.contacts import schemas as contacts
from salescycle.jobs import schemas as jobs
from salescycle.opportunities import schemas as opportunities
from salescycle.opportunities.api import opportunities as opportunities_api
from salescycle.sales import schemas as sales
from salescycle.tasks import schemas as tasks

pytestmark = pytest.mark.sqlite_only  # no database involved: once is enough

PAIRS: list[tuple[Any, type[BaseModel]]] = [
    (contacts.SalespersonDict, contacts.SalespersonOut),
    (contacts.ContactDict, contacts.ContactOut),
    (contacts.CampaignDict, contacts.CampaignOut),
    (contacts.SegmentDict, contacts.SegmentOut),
    (contacts.SegmentLineDict, contacts.SegmentLineSchema),
    (me.MeDict, me.MeOut),
    (opportunities.OpportunityDict, opportunities.OpportunityOut),
    (opportunities.EntryDict, opportunities.EntryOut),
    (opportunities.SalesCycleDict, opportunities.SalesCycleOut),
    (opportunities.StageDict, opportunities.StageOut),
    (opportunities.CloseCodeDict, opportunities.CloseCodeOut),
    (opportunities.SetupDict, opportunities.SetupOut),
    (opportunities.InteractionDict, opportunities.InteractionOut),
    (opportunities_api.ChangeDict, opportunities_api.ChangeOut),
    (sales.ItemDict, sales.ItemOut),
    (sales.CustomerTemplateDict, sales.CustomerTemplateOut),
    (sales.CustomerDict, sales.CustomerOut),
    (sales.LineDict, sales.LineOut),
    (sales.SalesDocumentDict, sales.SalesOrderOut),
    (sales.PostedInvoiceDict, sales.PostedInvoiceOut),
    (tasks.TaskDict, tasks.TaskOut),
    (tasks.StepDict, tasks.StepOut),
    (tasks.ActivityDict, tasks.ActivityOut),
    (jobs.JobDict, jobs.JobOut),
    (jobs.JobErrorDict, jobs.JobErrorOut),
]


def _nullable(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _nullable(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(arg is type(None) or _nullable(arg) for arg in typing.get_args(annotation))
    return annotation is type(None)


def _name(pair: tuple[Any, type[BaseModel]]) -> str:
    return pair[0].__name__


@pytest.mark.parametrize("pair", PAIRS, ids=_name)
def test_each_out_dict_has_its_schema_s_fields_and_nullability(pair: tuple[Any, type[BaseModel]]) -> None:
    typed_dict, schema = pair
    hints = typing.get_type_hints(typed_dict)
    assert set(hints) == set(schema.model_fields)
    nullable = {name for name, hint in hints.items() if _nullable(hint)}
    assert nullable == {name for name, field in schema.model_fields.items() if _nullable(field.annotation)}


def test_a_quote_answer_is_the_document_dict_without_the_quote_no() -> None:
    assert set(sales.SalesDocumentDict.__annotations__) - set(sales.SalesQuoteOut.model_fields) == {"quote_no"}
