"""Who opens the collateral library, and who sees what reps may not (drafts, archived assets, stale reviews)."""

import rules

from accounts.rules import is_enablement_admin, is_signed_in

# Every signed-in person uses the library; what each one sees in it is AssetQuerySet.for_user.
rules.add_perm("collateral.view_library", is_signed_in)
# Drafts, archived assets and every version of an asset are the enablement admins' too: the
# predicate is_enablement_admin itself filters them (AssetQuerySet.for_user, asset_versions_for).
rules.add_perm("collateral.review_stale", is_enablement_admin)
# Publishing a new version (the publish form on the asset page, and in admin).
rules.add_perm("collateral.publish_version", is_enablement_admin)
