"""Who may see the deal board, see a deal, change it (move it, check its criteria, edit it) and create one."""

import rules

from accounts.models import User
from accounts.rules import (
    has_model_perm,
    is_enablement_admin,
    is_manager,
    is_sales,
    is_sales_or_admin,
    is_self,
    is_team_manager_of,
)
from pipeline.models import Deal


@rules.predicate
def owns_deal(user: User, deal: Deal | None) -> bool:
    return deal is not None and deal.owner_id == user.pk


@rules.predicate
def is_deal_team_manager(user: User, deal: Deal | None) -> bool:
    """`user` manages the team the deal belongs to."""
    return deal is not None and is_manager(user) and user.team_id is not None and deal.team_id == user.team_id


sees_deal = is_enablement_admin | (is_sales & owns_deal) | is_deal_team_manager

rules.add_perm("pipeline.view_board", is_sales_or_admin)
# Object rules. Mirrored by DealQuerySet.for_user and DealQuerySet.editable_by.
rules.add_perm("pipeline.view_deal", sees_deal)
# Moving a deal is the Groups' pipeline.move_deal (the state machine checks it too) on a deal one sees.
rules.add_perm("pipeline.change_deal", has_model_perm("pipeline.move_deal") & sees_deal)
# Changing a deal's owner (a rep leaves, a book is rebalanced): the team's manager, or an admin.
# Mirrored by DealQuerySet.reassignable_by; the new owner's rules are the services' (new_owner_problems).
rules.add_perm("pipeline.reassign_deal", is_enablement_admin | is_deal_team_manager)
# Deals carry their history: only a superuser deletes one, in Django admin.
rules.add_perm("pipeline.delete_deal", rules.is_superuser)

# Creating a deal: reps and managers (who sell), and enablement admins. Role rules only: no query.
rules.add_perm("pipeline.create_deal", is_sales_or_admin)
# ...for whom (the object is the future owner): a rep for themselves, a manager for themselves or a
# person of their team, an admin for anyone. Mirrored by selectors.deal_owners_for.
rules.add_perm("pipeline.create_deal_for", is_enablement_admin | (is_sales & (is_self | is_team_manager_of)))
