"""The caseload import (issue 12 item 5)."""
