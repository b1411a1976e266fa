"""The SPA's client page as one GraphQL document (issue 18 item 2), for the test that pins its
statement count (tests/test_client_page.py) and for the benchmarks (bench/) to import."""

from __future__ import annotations

# Before issue 18 the page took two requests (the accounts' ids first, then their statements).
BEFORE_FIRST = """
query ClientPageBefore($id: ID!) {
  client(id: $id) {
    id reference givenName familyName situation status legalRole version
    dateOfBirth address { line1 town postcode }
    deputyships { id caseNumber orderDate inForce }
    appointeeships { id dwpReference startDate inForce }
  }
  clientAccounts(clientId: $id) { id kind name balance held available }
  invoices(filter: {clientId: $id}, first: 20) {
    edges { node { id supplierInvoiceNumber supplier { name } amount dueOn status } }
  }
  payments(clientId: $id, status: RAISED, first: 20) {
    edges { node { id amount description payee { name } status raisedBy waitingSince } }
  }
  decisions(clientId: $id, status: RAISED, first: 20) {
    edges { node { id kind amount status raisedBy raisedAt } }
  }
  budgetPlans(clientId: $id, first: 1) {
    edges { node { id planYearStart approvalStatus annualIncome annualExpenditure surplus } }
  }
}
"""
BEFORE_STATEMENT = """
query AccountLines($account: ID!) {
  accountStatement(accountId: $account, last: 20) {
    edges { node { amount balanceAfter
      transfer { id valueDate postedAt category description reference } } }
    pageInfo { hasPreviousPage startCursor }
  }
}
"""

# Since issue 18: the whole page in one document, the accounts and their latest lines reached
# from the client.
CLIENT_PAGE = """
query ClientPage($id: ID!) {
  client(id: $id) {
    id reference givenName familyName situation status legalRole version
    dateOfBirth address { line1 town postcode }
    deputyships { id caseNumber orderDate inForce }
    appointeeships { id dwpReference startDate inForce }
    accounts {
      id kind name balance held available
      statement(last: 20) {
        edges { node { amount balanceAfter
          transfer { id valueDate postedAt category description reference } } }
        pageInfo { hasPreviousPage startCursor }
      }
    }
  }
  invoices(filter: {clientId: $id}, first: 20) {
    edges { node { id supplierInvoiceNumber supplier { name } amount dueOn status } }
  }
  payments(clientId: $id, status: RAISED, first: 20) {
    edges { node { id amount description payee { name } status raisedBy waitingSince } }
  }
  decisions(clientId: $id, status: RAISED, first: 20) {
    edges { node { id kind amount status raisedBy raisedAt } }
  }
  budgetPlans(clientId: $id, first: 1) {
    edges { node { id planYearStart approvalStatus annualIncome annualExpenditure surplus } }
  }
}
"""
