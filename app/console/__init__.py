"""The staff console under ``/console`` (issue #22): server-rendered pages for street offices and committees, and the
owners' receipt check page, calling the same services as the API (no rule is implemented twice)."""
