"""A client's outstanding debts found on appointment (issue 14 item 2; R-DEBT-1..3, seed 002
B 14)."""
