"""Every write on the contacts app's records, one module per concept: contacts (:mod:`.contacts`),
salespeople with their teams and accounts (:mod:`.salespeople`), campaigns (:mod:`.campaigns`) and segments
(:mod:`.segments`). Each verb is reached here by the web pages, the API, the admin and the commands alike; reference
names such as ``salesperson_code`` are translated once (:mod:`salescycle.contacts.references`). Customers made from
contacts are :mod:`salescycle.opportunities.services.customers` (they need Marketing Setup)."""

from salescycle.contacts.services.campaigns import create_campaign, delete_campaign, update_campaign
from salescycle.contacts.services.contacts import create_contact, delete_contact, update_contact
from salescycle.contacts.services.salespeople import (
    assign_salesperson,
    create_salesperson,
    delete_salesperson,
    delete_team,
    save_team,
    update_salesperson,
)
from salescycle.contacts.services.segments import (
    create_segment,
    delete_segment,
    replace_segment_lines,
    update_segment,
)

__all__ = [
    "assign_salesperson",
    "create_campaign",
    "create_contact",
    "create_salesperson",
    "create_segment",
    "delete_campaign",
    "delete_contact",
    "delete_salesperson",
    "delete_segment",
    "delete_team",
    "replace_segment_lines",
    "save_team",
    "update_campaign",
    "update_contact",
    "update_salesperson",
    "update_segment",
]
