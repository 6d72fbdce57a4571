"""Owners' committees (业委会) and property management committees (物管会) as records, and the street office's
recorded grounds for convening in their place (R-COMM, R-CONV)."""
