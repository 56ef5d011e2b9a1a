"""Who learns, who reads updates and call reviews, and who follows a team's learning."""

import rules

from accounts.rules import is_manager_or_admin, is_sales, is_sales_or_admin, is_signed_in

# Programs are assigned to the people in sales: the learning home is theirs.
rules.add_perm("training.view_learning", is_sales)
# Content is not private (Module.objects.for_user): every signed-in person may open a module,
# and enablement admins preview the modules they write ("View on site" in Django admin).
rules.add_perm("training.view_modules", is_signed_in)
# An update may address any role (its audience), so everyone has the updates page; which updates
# each person reads is Update.objects.for_user.
rules.add_perm("training.view_updates", is_signed_in)
# A rep reads their own reviews, a manager their team's (CallReview.objects.for_user); admins every team's.
rules.add_perm("training.view_reviews", is_sales_or_admin)
# A person's progress: whose is the object rule accounts.view_person (User.objects.for_user).
rules.add_perm("training.view_progress", is_signed_in)
# The team table, reviewing a call and enrolling people.
rules.add_perm("training.view_team", is_manager_or_admin)
rules.add_perm("training.coach_team", is_manager_or_admin)
