"""The register of approved institutions, their products and reviews (R-INV-4, seed 002
7.11)."""
