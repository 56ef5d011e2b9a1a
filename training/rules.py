"""Who learns, who reads updates and call reviews, and who follows a team's learning."""

from typing import Any

import rules

from accounts.models import User
from accounts.rules import (
    is_enablement_admin,
    is_manager_or_admin,
    is_sales,
    is_sales_or_admin,
    is_signed_in,
    is_team_manager_of,
)

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
# Certifications: whose is CertificationGrant.objects.for_user (own, a manager's team, admins all).
rules.add_perm("training.view_certifications", is_sales_or_admin)


# Object rules on call reviews after they are written (the review: its rep; a comment: its author).
@rules.predicate
def coaches_rep_of(user: User, review: Any) -> bool:
    """`user` is an enablement admin or manages the team of the review's rep (as CallReview.objects.for_user)."""
    return review is not None and (is_enablement_admin(user) or is_team_manager_of(user, review.rep))


@rules.predicate
def is_reviewed_rep(user: User, review: Any) -> bool:
    return review is not None and review.rep_id == user.pk


@rules.predicate
def wrote_comment(user: User, comment: Any) -> bool:
    return comment is not None and comment.author_id == user.pk


# Coaches add timestamped comments; the rep and the coaches answer them; only its author edits a comment.
rules.add_perm("training.comment_on_review", is_signed_in & coaches_rep_of)
rules.add_perm("training.reply_on_review", is_signed_in & (is_reviewed_rep | coaches_rep_of))
rules.add_perm("training.change_review_comment", is_signed_in & wrote_comment)
