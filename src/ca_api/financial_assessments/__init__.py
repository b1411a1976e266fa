"""The client's financial assessment status (issue 12 item 3; seed 002 B 4.2-4.4)."""
