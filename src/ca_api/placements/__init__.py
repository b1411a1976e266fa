"""Placements of surplus money with approved institutions (R-INV-4, R-INV-6)."""
