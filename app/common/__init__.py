"""Shared building blocks below every feature: pagination, base schemas, errors services raise, the caller."""
