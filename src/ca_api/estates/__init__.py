"""The estate of a deceased client and closing a wound-up case (issue 13 item 5)."""
