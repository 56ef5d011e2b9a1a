"""Who reads the telemetry: managers (their team beside the organisation) and enablement admins.

Starting a recomputation is the model permission telemetry.recompute_telemetry, which the
migration grants to enablement admins; its view names it directly.
"""

import rules

from accounts.rules import is_manager_or_admin

rules.add_perm("telemetry.view_dashboard", is_manager_or_admin)
