"""API schemas of salespeople, contacts, campaigns and segments (spec api.md "Setup")."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, TypedDict

from ninja import Schema
from pydantic import Field

from salescycle.contacts.models import ContactType
from salescycle.core.schemas import (
    DateIn,
    InputSchema,
    Key,
    Omittable,
    OneOf,
    Text10,
    Text20,
    Text30,
    Text50,
    Text80,
    Text100,
    blank_to_none,
)

if TYPE_CHECKING:
    from salescycle.contacts.models import Campaign, Contact, Salesperson, Segment

# Each ``*_out`` builder returns a TypedDict with its schema's fields (``SalespersonOut`` → ``SalespersonDict``), so
# that mypy checks the keys and values it builds; ``tests/api/test_out_dicts.py`` holds the two field lists equal.
# A field the schema narrows to a Literal is a ``str`` here: the model's text choice.


class SalespersonOut(Schema):
    code: str
    name: str
    email: str
    phone: str
    job_title: str
    blocked: bool
    version: int


class SalespersonDict(TypedDict):
    code: str
    name: str
    email: str
    phone: str
    job_title: str
    blocked: bool
    version: int


class SalespersonIn(InputSchema):
    code: Key = Field(min_length=1)
    name: Text50 = ""
    email: Text80 = ""
    phone: Text30 = ""
    job_title: Text30 = ""
    blocked: bool = False


class SalespersonPatch(InputSchema):
    name: Omittable[Text50] = None
    email: Omittable[Text80] = None
    phone: Omittable[Text30] = None
    job_title: Omittable[Text30] = None
    blocked: Omittable[bool] = None


def salesperson_out(obj: Salesperson) -> SalespersonDict:
    return {
        "code": obj.code,
        "name": obj.name,
        "email": obj.email,
        "phone": obj.phone,
        "job_title": obj.job_title,
        "blocked": obj.blocked,
        "version": obj.version,
    }


# Contact Type as the API takes and shows it: a Literal of the model's values.
ContactTypeLiteral = Annotated[str, OneOf(ContactType)]


class ContactOut(Schema):
    no: str
    type: ContactTypeLiteral
    name: str
    company_no: str | None
    company_name: str | None
    salesperson_code: str | None
    email: str
    phone: str
    address: str
    city: str
    post_code: str
    country_code: str
    customer_no: str | None
    version: int
    created_at: dt.datetime
    modified_at: dt.datetime


class ContactDict(TypedDict):
    no: str
    type: str
    name: str
    company_no: str | None
    company_name: str | None
    salesperson_code: str | None
    email: str
    phone: str
    address: str
    city: str
    post_code: str
    country_code: str
    customer_no: str | None
    version: int
    created_at: dt.datetime
    modified_at: dt.datetime


class ContactIn(InputSchema):
    no: Key | None = None
    type: ContactTypeLiteral = ContactType.COMPANY.value
    name: Text100 = Field(min_length=1)
    company_no: Key | None = None
    salesperson_code: Key | None = None
    email: Text80 = ""
    phone: Text30 = ""
    address: Text100 = ""
    city: Text30 = ""
    post_code: Text20 = ""
    country_code: Text10 = ""


class ContactPatch(InputSchema):
    type: Omittable[ContactTypeLiteral] = None
    name: Omittable[Text100] = Field(default=None, min_length=1)
    company_no: Key | None = None
    salesperson_code: Key | None = None
    email: Omittable[Text80] = None
    phone: Omittable[Text30] = None
    address: Omittable[Text100] = None
    city: Omittable[Text30] = None
    post_code: Omittable[Text20] = None
    country_code: Omittable[Text10] = None


def contact_out(obj: Contact) -> ContactDict:
    company = obj.company if obj.company_id else None
    return {
        "no": obj.no,
        "type": obj.type,
        "name": obj.name,
        "company_no": obj.company_id,
        "company_name": company.name if company is not None else None,
        "salesperson_code": obj.salesperson_id,
        "email": obj.email,
        "phone": obj.phone,
        "address": obj.address,
        "city": obj.city,
        "post_code": obj.post_code,
        "country_code": obj.country_code,
        "customer_no": getattr(obj, "customer_no", None),
        "version": obj.version,
        "created_at": obj.created_at,
        "modified_at": obj.modified_at,
    }


class CampaignOut(Schema):
    no: str
    description: str
    starting_date: dt.date | None
    ending_date: dt.date | None
    salesperson_code: str | None
    activated: bool
    version: int


class CampaignDict(TypedDict):
    no: str
    description: str
    starting_date: dt.date | None
    ending_date: dt.date | None
    salesperson_code: str | None
    activated: bool
    version: int


class CampaignIn(InputSchema):
    no: Key | None = None
    description: Text100 = ""
    starting_date: DateIn | None = None
    ending_date: DateIn | None = None
    salesperson_code: Key | None = None
    activated: bool = False


class CampaignPatch(InputSchema):
    description: Omittable[Text100] = None
    starting_date: DateIn | None = None
    ending_date: DateIn | None = None
    salesperson_code: Key | None = None
    activated: Omittable[bool] = None


def campaign_out(obj: Campaign) -> CampaignDict:
    return {
        "no": obj.no,
        "description": obj.description,
        "starting_date": obj.starting_date,
        "ending_date": obj.ending_date,
        "salesperson_code": blank_to_none(obj.salesperson_id),
        "activated": obj.activated,
        "version": obj.version,
    }


class SegmentLineSchema(InputSchema):
    contact_no: Key = Field(min_length=1)
    description: Text100 = ""


class SegmentOut(Schema):
    no: str
    description: str
    campaign_no: str | None
    salesperson_code: str | None
    lines: list[SegmentLineSchema]
    version: int


class SegmentLineDict(TypedDict):
    contact_no: str
    description: str


class SegmentDict(TypedDict):
    no: str
    description: str
    campaign_no: str | None
    salesperson_code: str | None
    lines: list[SegmentLineDict]
    version: int


class SegmentIn(InputSchema):
    no: Key | None = None
    description: Text100 = ""
    campaign_no: Key | None = None
    salesperson_code: Key | None = None
    lines: list[SegmentLineSchema] = Field(default_factory=list, max_length=1000)


class SegmentPatch(InputSchema):
    description: Omittable[Text100] = None
    campaign_no: Key | None = None
    salesperson_code: Key | None = None
    lines: Omittable[list[SegmentLineSchema]] = Field(default=None, max_length=1000)


def segment_out(obj: Segment) -> SegmentDict:
    return {
        "no": obj.no,
        "description": obj.description,
        "campaign_no": obj.campaign_id,
        "salesperson_code": obj.salesperson_id,
        "lines": [{"contact_no": line.contact_id, "description": line.description} for line in obj.lines.all()],
        "version": obj.version,
    }
