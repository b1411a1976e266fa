"""Temporary financial assistance before a client's funds arrive (issue 12 item 4, seed 002
B 4.6-4.7)."""
