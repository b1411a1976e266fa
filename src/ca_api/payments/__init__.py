"""Money out: invoices, their checks, and payments with approval (R-PAY, R-ROLE-2)."""
