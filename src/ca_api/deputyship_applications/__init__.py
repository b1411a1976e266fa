"""The Court of Protection deputyship application clock, its stages and the registering of the
deputy order (issue 12 item 2, R-REF-6, R-INV-1, R-ORD-2)."""
