"""Fees due to the council and the OPG, charged from effective-dated rates (R-FEE)."""
