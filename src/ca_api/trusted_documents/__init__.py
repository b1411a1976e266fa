"""Trusted documents (persisted queries): operations registered ahead, sent by id."""
