"""Surplus lodged with the Court Funds Office, and taken back when needed (R-INV-2, R-INV-6)."""
