"""API of salespeople, contacts, campaigns and segments (spec api.md "Setup")."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from ninja import Query, Router, Status

from salescycle.contacts import services
from salescycle.contacts.filters import ContactFilters
from salescycle.contacts.models import Campaign, Contact, Customer, Salesperson, Segment
from salescycle.contacts.schemas import (
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    ContactIn,
    ContactOut,
    ContactPatch,
    ContactTypeLiteral,
    SalespersonIn,
    SalespersonOut,
    SalespersonPatch,
    SegmentIn,
    SegmentOut,
    SegmentPatch,
    campaign_out,
    contact_out,
    salesperson_out,
    segment_out,
)
from salescycle.core.http import ApiRequest
from salescycle.core.keys import normalize_key
from salescycle.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from salescycle.core.replicas import reads_from_replica
from salescycle.core.schemas import Key, Page, expected_version, fetch, set_etag, with_errors

router = Router()
key = normalize_key


# --- Salespeople -----------------------------------------------------------------------------------------------


@reads_from_replica
@router.get("/salespeople", response=with_errors({200: Page[SalespersonOut]}), tags=["salespeople"])
def list_salespeople(
    request: ApiRequest,
    q: str | None = None,
    blocked: bool | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> Any:
    """Salespeople by code; ``q`` searches code and name."""
    qs = Salesperson.objects.all()
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if blocked is not None:
        qs = qs.filter(blocked=blocked)
    return paginate(qs, ordering=["code"], limit=limit, cursor=cursor, serialize=salesperson_out)


@router.post("/salespeople", response=with_errors({201: SalespersonOut}), tags=["salespeople"])
def create_salesperson(request: ApiRequest, data: SalespersonIn, response: HttpResponse) -> Any:
    """Create a salesperson."""
    obj = services.create_salesperson(by=request.auth, **data.dict())
    set_etag(response, obj.version)
    return Status(201, salesperson_out(obj))


@router.get("/salespeople/{code}", response=with_errors({200: SalespersonOut}), tags=["salespeople"])
def get_salesperson(request: ApiRequest, code: Key, response: HttpResponse) -> Any:
    """One salesperson."""
    obj = fetch(Salesperson.objects.all(), code=key(code))
    set_etag(response, obj.version)
    return salesperson_out(obj)


@router.patch("/salespeople/{code}", response=with_errors({200: SalespersonOut}), tags=["salespeople"])
def patch_salesperson(request: ApiRequest, code: Key, data: SalespersonPatch, response: HttpResponse) -> Any:
    """Change a salesperson; ``If-Match`` guards against lost updates."""
    obj = services.update_salesperson(
        code,
        by=request.auth,
        expected_version=expected_version(request),
        **data.dict(exclude_unset=True, exclude_none=True),
    )
    set_etag(response, obj.version)
    return salesperson_out(obj)


@router.delete("/salespeople/{code}", response=with_errors({204: None}), tags=["salespeople"])
def delete_salesperson(request: ApiRequest, code: Key) -> Any:
    """Delete a salesperson (409 ``conflict.in_use`` while referenced; block it instead)."""
    services.delete_salesperson(code, by=request.auth, expected_version=expected_version(request))
    return Status(204, None)


# --- Contacts --------------------------------------------------------------------------------------------------


def _contacts() -> QuerySet[Contact]:
    """The contacts with ``customer_no``: the customer the contact is or belongs to (api.md /contacts): its own
    customer, else (a person) its company's; null when neither is a customer. A person without company who won
    became a customer herself (spec §4.8.4), so she shows her own number; a company's "company" is itself."""
    own = Customer.objects.filter(contact_id=OuterRef("pk")).values("no")[:1]
    company = Customer.objects.filter(contact_id=OuterRef("company_id")).values("no")[:1]
    return Contact.objects.select_related("company").annotate(customer_no=Coalesce(Subquery(own), Subquery(company)))


@reads_from_replica
@router.get("/contacts", response=with_errors({200: Page[ContactOut]}), tags=["contacts"])
def list_contacts(
    request: ApiRequest,
    q: str | None = None,
    type: ContactTypeLiteral | None = None,
    company_no: str | None = None,
    salesperson_code: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> Any:
    """Contacts by number; ``q`` searches number and name."""
    # The filters are ContactFilters, shared with the web list (this docstring is the OpenAPI description).
    words = ContactFilters(q=q, type=type, company_no=company_no, salesperson_code=salesperson_code)
    qs = words.filter(_contacts())
    return paginate(qs, ordering=["no"], limit=limit, cursor=cursor, serialize=contact_out)


@router.post("/contacts", response=with_errors({201: ContactOut}), tags=["contacts"])
def create_contact(request: ApiRequest, data: ContactIn, response: HttpResponse) -> Any:
    """Create a company or person contact (``no`` from the contact series when omitted)."""
    with transaction.atomic():  # the answer is read in the write's transaction (issue #12 item 7)
        obj = services.create_contact(by=request.auth, **data.dict())
        obj = fetch(_contacts(), no=obj.no)
    set_etag(response, obj.version)
    return Status(201, contact_out(obj))


@router.get("/contacts/{no}", response=with_errors({200: ContactOut}), tags=["contacts"])
def get_contact(request: ApiRequest, no: Key, response: HttpResponse) -> Any:
    """One contact."""
    obj = fetch(_contacts(), no=key(no))
    set_etag(response, obj.version)
    return contact_out(obj)


@router.patch("/contacts/{no}", response=with_errors({200: ContactOut}), tags=["contacts"])
def patch_contact(request: ApiRequest, no: Key, data: ContactPatch, response: HttpResponse) -> Any:
    """Change a contact (type not while opportunities refer to it: ``contact.type_in_use``)."""
    changes = data.dict(exclude_unset=True)
    for name in ("type", "name", "email", "phone", "address", "city", "post_code", "country_code"):
        if changes.get(name, "") is None:
            changes.pop(name)
    with transaction.atomic():  # the answer is read in the write's transaction (issue #12 item 7)
        obj = services.update_contact(
            no,
            by=request.auth,
            expected_version=expected_version(request),
            **changes,
        )
        obj = fetch(_contacts(), no=obj.no)
    set_etag(response, obj.version)
    return contact_out(obj)


@router.delete("/contacts/{no}", response=with_errors({204: None}), tags=["contacts"])
def delete_contact(request: ApiRequest, no: Key) -> Any:
    """Delete a contact (422 ``contact.has_open_opportunities``; 409 ``conflict.in_use`` while referenced)."""
    services.delete_contact(no, by=request.auth, expected_version=expected_version(request))
    return Status(204, None)


# --- Campaigns -------------------------------------------------------------------------------------------------


@reads_from_replica
@router.get("/campaigns", response=with_errors({200: Page[CampaignOut]}), tags=["campaigns"])
def list_campaigns(
    request: ApiRequest,
    q: str | None = None,
    activated: bool | None = None,
    salesperson_code: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> Any:
    """Campaigns by number."""
    qs = Campaign.objects.all()
    if q:
        qs = qs.filter(Q(no__icontains=q) | Q(description__icontains=q))
    if activated is not None:
        qs = qs.filter(activated=activated)
    if salesperson_code:
        qs = qs.filter(salesperson_id=key(salesperson_code))
    return paginate(qs, ordering=["no"], limit=limit, cursor=cursor, serialize=campaign_out)


@router.post("/campaigns", response=with_errors({201: CampaignOut}), tags=["campaigns"])
def create_campaign(request: ApiRequest, data: CampaignIn, response: HttpResponse) -> Any:
    """Create a campaign (``no`` from the campaign series when omitted)."""
    obj = services.create_campaign(by=request.auth, **data.dict())
    set_etag(response, obj.version)
    return Status(201, campaign_out(obj))


@router.get("/campaigns/{no}", response=with_errors({200: CampaignOut}), tags=["campaigns"])
def get_campaign(request: ApiRequest, no: Key, response: HttpResponse) -> Any:
    """One campaign."""
    obj = fetch(Campaign.objects.all(), no=key(no))
    set_etag(response, obj.version)
    return campaign_out(obj)


@router.patch("/campaigns/{no}", response=with_errors({200: CampaignOut}), tags=["campaigns"])
def patch_campaign(request: ApiRequest, no: Key, data: CampaignPatch, response: HttpResponse) -> Any:
    """Change a campaign."""
    changes = data.dict(exclude_unset=True)
    for name in ("description", "activated"):
        if name in changes and changes[name] is None:
            changes.pop(name)
    obj = services.update_campaign(
        no,
        by=request.auth,
        expected_version=expected_version(request),
        **changes,
    )
    set_etag(response, obj.version)
    return campaign_out(obj)


@router.delete("/campaigns/{no}", response=with_errors({204: None}), tags=["campaigns"])
def delete_campaign(request: ApiRequest, no: Key) -> Any:
    """Delete a campaign (409 ``conflict.in_use`` while referenced)."""
    services.delete_campaign(no, by=request.auth, expected_version=expected_version(request))
    return Status(204, None)


# --- Segments --------------------------------------------------------------------------------------------------


def _segments() -> QuerySet[Segment]:
    return Segment.objects.prefetch_related("lines")


@reads_from_replica
@router.get("/segments", response=with_errors({200: Page[SegmentOut]}), tags=["segments"])
def list_segments(
    request: ApiRequest,
    q: str | None = None,
    campaign_no: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
) -> Any:
    """Segments by number, with their lines."""
    qs = _segments()
    if q:
        qs = qs.filter(Q(no__icontains=q) | Q(description__icontains=q))
    if campaign_no:
        qs = qs.filter(campaign_id=key(campaign_no))
    return paginate(qs, ordering=["no"], limit=limit, cursor=cursor, serialize=segment_out)


@router.post("/segments", response=with_errors({201: SegmentOut}), tags=["segments"])
def create_segment(request: ApiRequest, data: SegmentIn, response: HttpResponse) -> Any:
    """Create a segment with its lines (``no`` from the segment series when omitted)."""
    with transaction.atomic():  # the answer is read in the write's transaction (issue #12 item 7)
        obj = services.create_segment(by=request.auth, **data.dict())
        obj = fetch(_segments(), no=obj.no)
    set_etag(response, obj.version)
    return Status(201, segment_out(obj))


@router.get("/segments/{no}", response=with_errors({200: SegmentOut}), tags=["segments"])
def get_segment(request: ApiRequest, no: Key, response: HttpResponse) -> Any:
    """One segment with its lines."""
    obj = fetch(_segments(), no=key(no))
    set_etag(response, obj.version)
    return segment_out(obj)


@router.patch("/segments/{no}", response=with_errors({200: SegmentOut}), tags=["segments"])
def patch_segment(request: ApiRequest, no: Key, data: SegmentPatch, response: HttpResponse) -> Any:
    """Change a segment; ``lines`` replaces the whole set."""
    changes = data.dict(exclude_unset=True)
    if "description" in changes and changes["description"] is None:
        changes.pop("description")
    with transaction.atomic():  # the answer is read in the write's transaction (issue #12 item 7)
        obj = services.update_segment(
            no,
            by=request.auth,
            expected_version=expected_version(request),
            **changes,
        )
        obj = fetch(_segments(), no=obj.no)
    set_etag(response, obj.version)
    return segment_out(obj)


@router.delete("/segments/{no}", response=with_errors({204: None}), tags=["segments"])
def delete_segment(request: ApiRequest, no: Key) -> Any:
    """Delete a segment with its lines (409 ``conflict.in_use`` while referenced)."""
    services.delete_segment(no, by=request.auth, expected_version=expected_version(request))
    return Status(204, None)
