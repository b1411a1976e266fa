"""The organisations a client deals with, found in their records (R-ORD-2, R-DEATH-1)."""
