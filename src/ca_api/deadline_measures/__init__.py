"""Deadlines met and missed (issue 16 item 4, R-REP-4, seed 002 B 31, D 3): for a period, each
promise the service makes with how many cases fell due, were met, missed and are still open.
Each promise is one measure in ``measures.MEASURES``; docs/deadline_measures.md defines the
counts."""
