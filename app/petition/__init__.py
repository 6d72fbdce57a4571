"""Owners' petitions: first-assembly applications (R-LIFE-9) and temporary-meeting petitions (R-LIFE-10)."""
