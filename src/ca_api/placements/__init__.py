"""Placements with approved institutions, existing investments and investment statements
(R-INV-3, R-INV-4, R-INV-5)."""
