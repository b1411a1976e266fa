"""The approval queue: what the caller may approve now, live across server processes."""
