"""WorkDate: the user's working date (spec §0.2); blank means today in the server's time zone."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from salescycle.core.actors import System
from salescycle.core.models import UserPreference
from salescycle.core.prepared import Prepared, first_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from salescycle.core.actors import Actor


def today() -> dt.date:
    """The server's current date in ``TIME_ZONE`` (BC "Today", the system date)."""
    return timezone.localdate()


_WORK_DATE: Prepared[dt.date | None] = Prepared(
    lambda user_id: first_of(UserPreference.objects.filter(user_id=user_id).values_list("work_date", flat=True)), int
)


def get_work_date(user: Actor | None) -> dt.date:
    """The WorkDate of ``user`` (a Django user or None): their chosen work date, else today."""
    if user is not None and not isinstance(user, System) and user.is_authenticated:
        work_date = _WORK_DATE.first(user.pk)
        if work_date is not None:
            return work_date
    return today()


def set_work_date(user: User, work_date: dt.date | None) -> None:
    """Store ``work_date`` as ``user``'s WorkDate (None returns to "today")."""
    UserPreference.objects.update_or_create(user=user, defaults={"work_date": work_date})
