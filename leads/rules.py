"""Who works the lead inbox, whose leads they see, and who reads marketing's quality report."""

import rules

from accounts.models import User
from accounts.rules import (
    is_enablement_admin,
    is_manager,
    is_manager_or_admin,
    is_marketing_ops,
    is_sales,
    is_sales_or_admin,
)
from leads.models import Lead


@rules.predicate
def owns_lead(user: User, lead: Lead | None) -> bool:
    return lead is not None and lead.owner_id == user.pk


@rules.predicate
def is_lead_team_manager(user: User, lead: Lead | None) -> bool:
    return lead is not None and is_manager(user) and user.team_id is not None and lead.team_id == user.team_id


@rules.predicate
def is_in_queue_of(user: User, lead: Lead | None) -> bool:
    """An unassigned lead routed to no team or to `user`'s: anyone in sales may take it."""
    return lead is not None and lead.owner_id is None and lead.team_id in {None, user.team_id}


# Enablement admins oversee the inbox as they do the deal board (every team's leads).
# Marketing ops reads what became of its leads in the quality report.
rules.add_perm("leads.view_inbox", is_sales_or_admin)
rules.add_perm("leads.view_quality_report", is_marketing_ops | is_enablement_admin)
# Object rule, mirrored by LeadQuerySet.for_user.
sees_lead = is_enablement_admin | (is_sales & (owns_lead | is_in_queue_of)) | is_lead_team_manager
rules.add_perm("leads.view_lead", sees_lead)
# Changing a lead's owner: the team's manager, or an admin. Mirrored by LeadQuerySet.reassignable_by.
rules.add_perm("leads.reassign_lead", is_enablement_admin | is_lead_team_manager)
# The handover page (a leaving rep's open deals and leads to a colleague): managers and admins.
rules.add_perm("leads.hand_over", is_manager_or_admin)
