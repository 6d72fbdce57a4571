"""Reliability drills (issue #9): races, crash, database outage. See docs/drills.md for the commands."""
