"""Valuables in the team's safe (issue 14 item 4, R-CARE-3, seed 002 B 24)."""
