"""The OPG annual report (issue 15, R-OPG)."""
