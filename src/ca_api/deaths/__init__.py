"""A client's death: recorded, confirmed by a second officer, what it stops (issue 13)."""
