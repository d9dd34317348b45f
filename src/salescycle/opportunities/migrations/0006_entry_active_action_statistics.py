"""PostgreSQL only: extended statistics on (active, action_taken) of the opportunity entries.

The planner multiplies the selectivities of ``active`` and ``action_taken <> ALL ('won', 'lost')`` as if they were
independent, but they are strongly correlated (every Won/Lost entry of a closed opportunity is its active one), so it
over-estimated the open active entries about 4× at 100,000 opportunities and preferred a parallel scan of all
active entries to the partial index ``entry_open_cycle_stage`` for the board and the cycle statistics
(bench/README.md, finding 2). An MCV list over the two columns gives it the real combined frequencies. SQLite has
no such statistics and needs none (its planner matches the partial index's WHERE literally, see
``OpportunityEntryQuerySet.open``).
"""

from django.db import migrations

CREATE = (
    "CREATE STATISTICS IF NOT EXISTS entry_active_action (mcv, dependencies) "
    "ON active, action_taken FROM opportunities_opportunityentry"
)
DROP = "DROP STATISTICS IF EXISTS entry_active_action"


def _run(sql: str):
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0005_opportunity_change")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP), elidable=False)]
