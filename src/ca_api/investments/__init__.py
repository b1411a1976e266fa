"""Investments a client already holds, kept where prudent (R-INV-5)."""
