"""Investment statements on deputy orders (R-INV-3)."""
