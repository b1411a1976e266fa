"""Decisions made for clients, approved by someone senior enough and never by who raised them
(R-DEC, R-ROLE-2, R-ROLE-3)."""
