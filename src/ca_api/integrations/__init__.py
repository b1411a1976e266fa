"""Controcc and SAP: external references, batches and their reconciliation (issue 17)."""
