"""Benefit overpayments after a client's death (issue 13 item 3, R-DEATH-2, seed 002 B 29.2)."""
