"""Bank statements reconciled to the ledger (R-ACC-7)."""
