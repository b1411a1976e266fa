"""Client wills and funeral plans (issue 14 item 5; R-CARE-5, seed 002 B 21, B 28)."""
