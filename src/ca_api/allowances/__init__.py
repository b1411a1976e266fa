"""Personal allowance and weekly cash (issue 14 item 9; R-PAY-6, R-BUD-4, seed 002 B 22-23)."""
