"""A client's property: its protection, sale and letting (issue 14 item 3; R-CARE-4,
seed 002 B 8-9)."""
