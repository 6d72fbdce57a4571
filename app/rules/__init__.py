"""The law, as pure functions: who counts, how areas add up, double majority, elections, notice windows.

Nothing here imports beyond the standard library and ``app.errors`` / ``app.rules``: no database, no HTTP,
no clock, no floats. The service, the SQL tally path and the offline verifier share this one implementation.
Rule ids (R-HEAD-1, R-TALLY-3, ...) refer to ``RULES.md`` Part II; ``docs/rules.md`` explains them.
"""
