"""How fresh the marts and what is served from them are expected to be.

The daily schedule rebuilds everything at 05:00 UTC. A mart whose last materialization is
older than a day and a bit means a daily run was missed: warn. Two days: fail.
"""

from datetime import timedelta

import dagster as dg

MARTS_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(hours=48), warn_window=timedelta(hours=26)
)
