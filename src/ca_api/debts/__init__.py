"""A client's debts: the order they are paid in (R-DEBT-1), after death (R-DEATH-2, seed 002
B 29.2) and on appointment (issue 14 item 2, ``outstanding_debts``: the same order)."""
