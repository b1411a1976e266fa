"""Money in: benefits and pensions, cash and cheques, interest (R-ACC-1, R-ACC-4, R-ACC-6)."""
