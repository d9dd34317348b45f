"""API of opportunities, their entries and actions, statistics, and the opportunity setup (sales cycles, stages,
close codes, activities, Marketing Setup, interactions) and the analysis from the entry ledger: spec api.md
"Opportunities", "Statistics", "Setup", "Analysis".

The endpoint modules register their routes on one router when imported; the import order is the route order
(``/opportunities/delete-closed`` before ``/opportunities/{no}``).
"""

from salescycle.opportunities.api import analysis, opportunities, setup, statistics  # noqa: F401  (registers the routes)
from salescycle.opportunities.api._shared import router

__all__ = ["router"]
