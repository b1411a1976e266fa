"""Reports the committee and the dashboards run on (issue 16, R-REP): caseload as at any date
(R-REP-1), money held (R-REP-2), as GraphQL for the ``reporting`` role and as CSV
(``reports.csv_endpoint``). Aggregates only, no personal data; small counts suppressed."""
