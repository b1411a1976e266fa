"""The service's cost and income, its workload and the exceptions register (issue 16; R-REP-3)."""
