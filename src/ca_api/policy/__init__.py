"""Effective-dated policy: figures (rates, fees, thresholds), approval limits (R-DEC-4, R-DATA)."""
