"""Controcc and SAP (issue 17): external references, bulk intake and its reconciliation."""
