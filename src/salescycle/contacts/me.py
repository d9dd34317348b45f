"""API of the signed-in user: ``/me`` (their WorkDate, language, salesperson and roles), spec api.md "Me". Mounted
apart from the contacts router: it stays open to a user without a role."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from ninja import Router, Schema
from pydantic import Field

from salescycle.contacts import permissions
from salescycle.contacts.models import Salesperson
from salescycle.core.errors import InvalidInput
from salescycle.core.http import ApiRequest
from salescycle.core.models import UserPreference
from salescycle.core.schemas import DateIn, InputSchema, with_errors
from salescycle.core.workdate import get_work_date

if TYPE_CHECKING:
    from django.contrib.auth.models import User

router = Router(tags=["me"])

LANGUAGES = [code for code, _name in settings.LANGUAGES]


class MeOut(Schema):
    username: str
    salesperson_code: str | None
    work_date: dt.date
    language: str
    # Added to api.md's shape (additions only): the user's roles (issue #8), so a client can offer only what the
    # user may do; a superuser has every right whatever their groups.
    roles: list[str]
    is_superuser: bool


class MeDict(TypedDict):
    username: str
    salesperson_code: str | None
    work_date: dt.date
    language: str
    roles: list[str]
    is_superuser: bool


class MePatch(InputSchema):
    work_date: DateIn | None = None
    language: str | None = Field(default=None, max_length=8)


def _me(user: User) -> MeDict:
    pref = UserPreference.objects.filter(user=user).first()
    who = permissions.access(user)  # loaded with the user (no query of its own)
    return {
        "username": user.get_username(),
        "salesperson_code": Salesperson.objects.filter(user=user).values_list("code", flat=True).first(),
        "work_date": get_work_date(user),
        "language": (pref.language if pref and pref.language else settings.LANGUAGE_CODE),
        "roles": sorted(who.roles),
        "is_superuser": bool(user.is_superuser),
    }


@router.get("/me", response=with_errors({200: MeOut}))
def get_me(request: ApiRequest) -> Any:
    """The signed-in user: username, salesperson, WorkDate (default today), interface language and roles."""
    return _me(request.auth)


@router.patch("/me", response=with_errors({200: MeOut}))
def patch_me(request: ApiRequest, data: MePatch) -> Any:
    """Change the WorkDate (null = today) and/or the language (``en``, ``nl``, ``de``, ``nb``, ``fi``)."""
    user = request.auth
    changes = data.dict(exclude_unset=True)
    if "language" in changes and (changes["language"] or "") not in [*LANGUAGES, ""]:
        raise InvalidInput(
            "invalid_input",
            "Unknown language.",
            fields={"language": [f"Use one of {', '.join(LANGUAGES)}."]},
        )
    defaults: dict[str, Any] = {}
    if "work_date" in changes:
        defaults["work_date"] = changes["work_date"]
    if "language" in changes:
        defaults["language"] = changes["language"] or ""
    if defaults:
        UserPreference.objects.update_or_create(user=user, defaults=defaults)
    return _me(user)
