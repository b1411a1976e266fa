"""Complaints and appeals (issue 14 item 8; R-AUD-4, seed 002 B 30)."""
