"""Money out, first half: invoices as received, their checks, and when they fall due (R-PAY-1,
R-PAY-2, R-PAY-4 to R-PAY-7)."""
