"""Budget plans, surplus and the thresholds that flag a client (R-BUD, R-INV-1, R-INV-2)."""
