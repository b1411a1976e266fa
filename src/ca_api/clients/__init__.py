"""Clients: the adults whose money the council manages, as appointee or deputy."""
