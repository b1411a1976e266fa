"""Recovery of capacity (issue 14 item 7, R-ORD-5, seed 002 B 27)."""
