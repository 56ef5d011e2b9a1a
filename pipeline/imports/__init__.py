"""CSV imports into the pipeline: deals from a CRM export (`deals`) and monthly quotas (`quotas`).

`rows` reads a file and reports bad rows by line; `owners` finds (or creates, through
accounts.services) the people the rows name. Bulk writes go through enablement_portal.db.
"""
