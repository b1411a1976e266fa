"""Income tax of each client and tax year (issue 14 item 6; R-CARE-6, seed 002 B 19)."""
