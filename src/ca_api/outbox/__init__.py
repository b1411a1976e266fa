"""The one outbox: every message another system or team must hear (issue 12 item 3)."""
