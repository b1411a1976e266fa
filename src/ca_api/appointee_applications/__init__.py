"""The DWP appointeeship application clock (issue 12 item 2, R-REF-5)."""
