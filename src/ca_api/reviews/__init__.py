"""Annual reviews, contacts and changes of circumstances (issue 14 item 1, R-CARE-1)."""
