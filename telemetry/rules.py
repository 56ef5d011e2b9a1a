"""Who reads the telemetry: managers (their team beside the organisation) and enablement admins.

Starting a recomputation is the model permission telemetry.recompute_telemetry, which the
migration grants to enablement admins; its view names it directly.
"""

import rules

from accounts.rules import is_manager_or_admin, is_sales_or_admin

rules.add_perm("telemetry.view_dashboard", is_manager_or_admin)

# Recommendations and coaching reach people at work: whoever sees the deal board sees the
# recommendations on the deals they may see (each deal is fetched with Deal.objects.for_user).
rules.add_perm("telemetry.view_recommendations", is_sales_or_admin)
# Gate compliance is read like the dashboard (a manager sees their team); assigning coaching
# modules is for a rep's manager or an admin (each rep is fetched with User.objects.for_user).
rules.add_perm("telemetry.view_gates", is_manager_or_admin)
rules.add_perm("telemetry.assign_coaching", is_manager_or_admin)
rules.add_perm("telemetry.view_coaching", is_sales_or_admin)
