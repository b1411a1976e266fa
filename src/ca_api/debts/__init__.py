"""A client's debts: the order they are paid in (R-DEBT-1), after death (R-DEATH-2, seed 002
B 29.2) and, in time, on appointment (issue 14)."""
