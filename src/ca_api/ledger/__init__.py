"""The double-entry ledger of client money (R-ACC, R-AUD-2, R-OPG-1)."""
