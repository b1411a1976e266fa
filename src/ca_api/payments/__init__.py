"""Money out, second half: payments raised, approved by someone else within the limits, made or
cancelled (R-PAY-3, R-ROLE-2, R-DEC-4), through ``approvals.mechanism``."""
