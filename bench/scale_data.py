"""The data of a shared service (issue 18): 50,000 clients and two million posted transfers,
with what the officer lists read at realistic proportions, loaded set-based in well under a
minute into a database migrated to head.

Every row is made by ``INSERT ... SELECT generate_series`` on the server, each id computed
from (kind, number) by ``bench_bid`` (so rows find each other by arithmetic, not by joins;
the ids are valid UUIDs and ascend, as a loader's would), every date relative to today (the
service's clock), so "overdue", "awaiting approval" and "review due" mean what they say.

What is bypassed, and why it stays consistent
-------------------------------------------------
Clients, their versions and the orders go in with every trigger on (the order versions'
triggers fill ``order_in_force`` and check R-ORD-1's one order in force). The big tables
(transfers, payments, invoices, decisions, plans, receipts and their event rows) go in with
``session_replication_role = replica``, which skips two kinds of trigger only:

- the foreign keys' RI triggers: instead every single-column foreign key of the database is
  checked afterwards by one anti-join each (``foreign_keys_broken``: must be none);
- the ledger's ``transfer_apply`` (per row: locks, R-ACC-2, balances) and ``transfer_month``
  (``ledger_account_month``): what they maintain is filled set-based here, from the same rows -
  each transfer's ``from_/to_balance_after`` by a running sum per client account in ``seq``
  order, ``ledger_account.posted``/``held`` by sums, ``ledger_account_month`` by the
  trigger's own grouping; R-ACC-2 holds by construction (every transfer has one client's
  account on one side and a counterparty's on the other, and names that client), and
  ``bench/scale.py`` ends by checking the ledger through ``ledgerCheck`` and every kept figure
  against the transfers (``consistency``).

CHECK, NOT NULL and UNIQUE constraints (and the exclusion constraints on orders) are never
bypassed. The big tables' indexes that no constraint owns are dropped before the load and
built again after it from their own definitions (``pg_get_indexdef``): a sorted build instead
of millions of random insertions, and a unique one is checked by its build. The load runs on
up to three connections at once (the machine has two cores), so it is not one transaction: a load
that failed half way leaves a half-loaded database, to be dropped.

Statuses stay derived from event rows, loaded as the services write them: a payment
approved has its APPROVED event naming the PENDING transfer that holds the money (and the
limit version), a payment made its MADE event naming the POST_PENDING transfer that posts it,
a decision approved its APPROVED event; a confirmed death its CONFIRMED event and the client's
DECEASED_WINDING_UP version. Audit rows are not loaded (the audit hash chain is per row by
design); ``auditLog`` reads only what the bench itself records.
"""

# SQL composed of this module's own constants and catalog names, no input:
# ruff: noqa: S608

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

BUSY_CLIENTS = 10  # client numbers 1..10: every 20th payment, invoice and income is theirs
SUPPLIERS = 200


@dataclass(frozen=True)
class Sizes:
    clients: int = 50_000
    transfers: int = 2_000_000

    @property
    def payments(self) -> int:  # ~360,000 at 50,000 clients
        return self.clients * 36 // 5

    @property
    def invoices(self) -> int:  # ~200,000
        return self.clients * 4

    @property
    def decisions(self) -> int:  # ~60,000
        return self.clients * 6 // 5

    def params(self) -> dict[str, int]:
        return {
            "clients": self.clients,
            "transfers": self.transfers,
            "payments": self.payments,
            "invoices": self.invoices,
            "decisions": self.decisions,
            "suppliers": SUPPLIERS,
            "busy": BUSY_CLIENTS,
        }


def client_number(k: str) -> str:
    """SQL: the client of the k-th payment, invoice, decision or income: every 20th is a busy
    client's, the rest spread over the caseload."""
    return (
        f"(CASE WHEN {k} % 20 = 0 THEN 1 + ({k} / 20) % CAST(:busy AS bigint) "
        f"ELSE 1 + {k} % CAST(:clients AS bigint) END)"
    )


FUNCTIONS = [
    # (kind, number) -> a UUID: kind in the first group, number in the last; ascending.
    """
    CREATE OR REPLACE FUNCTION bench_bid(k int, n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS
    $$ SELECT (lpad(to_hex(k), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid $$
    """,
]

# Kinds of id (the first group of bench_bid).
# 1 client, 2 CMS account, 3 deputyship, 4 appointeeship, 5 cash account, 6 payment,
# 7 invoice, 8 decision, 9 current plan, 10 last year's plan, 11 death, 12 referral,
# 13 referral submission, 14 triage, 15 lodgement, 16 invoice hold, 20 supplier,
# 21 supplier's account, 22 payer (1 DWP, 2 opening balances), 23 payer's account,
# 30 opening transfer, 31 income, 32 payment hold (PENDING), 33 payment made (POST_PENDING).

PEOPLE = [
    (
        "clients",
        """
    INSERT INTO client (id, reference, created_at, created_by)
    SELECT bench_bid(1, n), 'SC' || lpad(n::text, 6, '0'),
           now() - (n % 3000) * INTERVAL '1 day', 'bench'
      FROM generate_series(1, CAST(:clients AS int)) n
    """,
    ),
    (
        "client versions",
        """
    INSERT INTO client_version (client_id, version, given_name, family_name, date_of_birth,
                                ni_number, town, postcode, situation, status, recorded_at,
                                recorded_by, reason)
    SELECT bench_bid(1, n), v, 'Given' || n, 'Family' || (n % 997),
           DATE '1930-01-01' + (n % 15000), 'QQ' || lpad((n % 1000000)::text, 6, '0') || 'A',
           'Town' || (n % 50), 'ZZ' || (n % 99) || ' 1AA',
           CASE WHEN n % 5 = 0 THEN 'COMMUNITY' ELSE 'RESIDENTIAL_CARE' END,
           CASE WHEN n % 40 = 39 THEN 'REFERRED' ELSE 'ACTIVE' END,
           now() - (n % 3000) * INTERVAL '1 day' + (v - 1) * INTERVAL '100 days', 'bench',
           CASE WHEN v > 1 THEN 'address changed' END
      FROM generate_series(1, CAST(:clients AS int)) n,
           generate_series(1, 2) v
     WHERE v = 1 OR n % 4 = 0
    """,
    ),
    (
        "deputyships",
        """
    INSERT INTO deputyship (id, client_id)
    SELECT bench_bid(3, n), bench_bid(1, n)
      FROM generate_series(1, CAST(:clients AS int) * 7 / 10) n
    """,
    ),
    (
        "appointeeships",
        """
    INSERT INTO appointeeship (id, client_id)
    SELECT bench_bid(4, n), bench_bid(1, n)
      FROM generate_series(CAST(:clients AS int) * 6 / 10 + 1, CAST(:clients AS int)) n
    """,
    ),
    (
        "deaths (confirmed; the client DECEASED_WINDING_UP)",
        """
    INSERT INTO death (id, client_id, died_on, certificate_reference, recorded_by, recorded_at)
    SELECT bench_bid(11, n), bench_bid(1, n), current_date - 10 - (n % 300), 'DC' || n,
           'bench', now() - (n % 290) * INTERVAL '1 day'
      FROM generate_series(CAST(:busy AS int) + 1, CAST(:clients AS int)) n
     WHERE n % 17 = 0 AND n % 40 <> 39
    """,
    ),
    (
        "death events",
        """
    INSERT INTO death_event (death_id, event, recorded_by, recorded_at)
    SELECT id, 'CONFIRMED', 'bench2', recorded_at + INTERVAL '1 day' FROM death
    """,
    ),
    (
        "client versions on death",
        """
    INSERT INTO client_version (client_id, version, given_name, family_name, date_of_birth,
                                situation, status, recorded_at, recorded_by, reason)
    SELECT v.client_id, v.version + 1, v.given_name, v.family_name, v.date_of_birth,
           'DECEASED_WINDING_UP', 'ACTIVE', d.recorded_at + INTERVAL '1 day', 'bench2',
           'death confirmed'
      FROM death d JOIN LATERAL (
           SELECT * FROM client_version cv WHERE cv.client_id = d.client_id
            ORDER BY version DESC LIMIT 1) v ON true
    """,
    ),
    (
        "referrals",
        """
    INSERT INTO referral (id, client_id, referred_by, referred_at)
    SELECT bench_bid(12, n), bench_bid(1, n), 'social.worker' || (n % 30),
           now() - (n % 700) * INTERVAL '1 day'
      FROM generate_series(1, CAST(:clients AS int)) n WHERE n % 25 = 14 OR n % 40 = 39
    """,
    ),
    (
        "referral submissions",
        """
    INSERT INTO referral_submission (id, referral_id, version, social_care_eligible,
      social_care_evidence, no_appointee_or_lpa, no_appointee_evidence, no_one_to_help,
      no_one_to_help_evidence, lacks_capacity, lacks_capacity_evidence, capital_at_referral,
      private_income_known, property_known, bank_accounts_known, had_previous_appointee,
      documents, submitted_by, submitted_at)
    SELECT bench_bid(13, n), bench_bid(12, n), 1, true, 'assessment', true, 'none known',
           true, 'no family', true, 'capacity assessment', 2000000 + n, true, false, true,
           false, '[]'::jsonb, 'social.worker' || (n % 30), now() - (n % 700) * INTERVAL '1 day'
      FROM generate_series(1, CAST(:clients AS int)) n WHERE n % 25 = 14 OR n % 40 = 39
    """,
    ),
    (
        "referral triage (the referred clients' still waiting)",
        """
    INSERT INTO referral_triage (id, referral_id, submission_id, outcome, missing, reasons,
                                 threshold, note, triaged_by, triaged_at)
    SELECT bench_bid(14, n), bench_bid(12, n), bench_bid(13, n), 'ACCEPTED',
           '{}'::text[], '{}'::text[], 1600000, 'accepted', 'team.manager',
           now() - (n % 700) * INTERVAL '1 day' + INTERVAL '5 days'
      FROM generate_series(1, CAST(:clients AS int)) n WHERE n % 25 = 14 AND n % 40 <> 39
    """,
    ),
]

ORDERS = [
    (
        "deputyship versions",
        """
    INSERT INTO deputyship_version (deputyship_id, version, case_number, order_date,
      power_receive_income, power_manage_accounts, power_manage_capital, power_sell_property,
      power_let_property, power_make_gifts, supervision_type, recorded_by, reason)
    SELECT bench_bid(3, n), v, 'COP' || lpad(n::text, 8, '0'),
           current_date - 200 - (n % 3000), true, true, true, v = 2, false, false,
           CASE WHEN n % 3 = 0 THEN 'TYPE_2A' ELSE 'TYPE_2' END, 'bench',
           CASE WHEN v > 1 THEN 'powers varied' END
      FROM generate_series(1, CAST(:clients AS int) * 7 / 10) n, generate_series(1, 2) v
     WHERE v = 1 OR n % 7 = 0
     ORDER BY n, v
    """,
    ),
    (
        "appointeeship versions",
        """
    INSERT INTO appointeeship_version (appointeeship_id, version, dwp_reference, start_date,
                                       recorded_by)
    SELECT bench_bid(4, n), 1, 'DWP' || n, current_date - 100 - (n % 3200), 'bench'
      FROM generate_series(CAST(:clients AS int) * 6 / 10 + 1, CAST(:clients AS int)) n
    """,
    ),
    (
        "order_in_force (as the order versions' triggers keep it: each order's latest version)",
        """
    INSERT INTO order_in_force (order_id, kind, client_id, version, during)
    SELECT DISTINCT ON (v.deputyship_id) v.deputyship_id, 'deputyship', d.client_id, v.version,
           order_period(v.order_date, v.end_date)
      FROM deputyship_version v JOIN deputyship d ON d.id = v.deputyship_id
     ORDER BY v.deputyship_id, v.version DESC
    """,
    ),
    (
        "order_in_force (appointeeships)",
        """
    INSERT INTO order_in_force (order_id, kind, client_id, version, during)
    SELECT DISTINCT ON (v.appointeeship_id) v.appointeeship_id, 'appointeeship', a.client_id,
           v.version, order_period(v.start_date, v.end_date)
      FROM appointeeship_version v JOIN appointeeship a ON a.id = v.appointeeship_id
     ORDER BY v.appointeeship_id, v.version DESC
    """,
    ),
]

ACCOUNTS = [
    (
        "counterparties",
        """
    INSERT INTO counterparty (id, kind, name, created_by)
    SELECT bench_bid(20, s), CASE WHEN s % 2 = 0 THEN 'CARE_PROVIDER' ELSE 'SUPPLIER' END,
           'Bench supplier ' || s, 'bench'
      FROM generate_series(1, CAST(:suppliers AS int)) s
    UNION ALL SELECT bench_bid(22, 1), 'DWP', 'Bench DWP', 'bench'
    UNION ALL SELECT bench_bid(22, 2), 'OTHER', 'Bench opening balances', 'bench'
    """,
    ),
    (
        "counterparty accounts",
        """
    INSERT INTO ledger_account (id, kind, counterparty_id, name)
    SELECT bench_bid(21, s), 'COUNTERPARTY', bench_bid(20, s), 'Bench supplier ' || s
      FROM generate_series(1, CAST(:suppliers AS int)) s
    UNION ALL SELECT bench_bid(23, p), 'COUNTERPARTY', bench_bid(22, p), 'Bench payer ' || p
      FROM generate_series(1, 2) p
    """,
    ),
    (
        "client accounts (CMS each, cash for one in ten)",
        """
    INSERT INTO ledger_account (id, kind, client_id, name)
    SELECT bench_bid(2, n), 'CLIENT_CMS', bench_bid(1, n), 'CMS'
      FROM generate_series(1, CAST(:clients AS int)) n
    UNION ALL
    SELECT bench_bid(5, n), 'CLIENT_CASH', bench_bid(1, n), 'Cash'
      FROM generate_series(1, CAST(:clients AS int)) n WHERE n % 10 = 0
    """,
    ),
]

# Payment k's status by a hash of k (so the busy clients' have every status too): 1 in 720
# RAISED (awaiting approval, raised in the last fortnight),
# 1 in 50 CANCELLED, 1 in 100 APPROVED (its money held), the rest MADE. Payment k of the first
# 70% of the invoice count pays invoice k (same client, supplier and amount).
PAYMENT_STATUS = """(CASE WHEN abs(hashint8(k)) % 720 = 7 THEN 'RAISED'
    WHEN abs(hashint8(k)) % 50 = 3 THEN 'CANCELLED'
    WHEN abs(hashint8(k)) % 100 = 11 THEN 'APPROVED' ELSE 'MADE' END)"""
# Day of payment k and invoice k: spread over the last three years, oldest first.
DAY = "(current_date - 1100 + (k * 1090 / CAST(:payments AS bigint))::int)"

STAGE = [
    (
        "stage: payments",
        f"""
    CREATE UNLOGGED TABLE bench_payment AS
    SELECT k, {client_number("k")} AS n, 1 + k % CAST(:suppliers AS int) AS s,
           1000 + (k * 37) % 5000 AS amount, {PAYMENT_STATUS} AS status,
           CASE WHEN {PAYMENT_STATUS} = 'RAISED' THEN current_date - (k % 14)::int
                ELSE {DAY} END AS day
      FROM generate_series(1, CAST(:payments AS bigint)) k
    """,
    ),
    (
        "stage: transfers (a view: each reader makes the rows it reads)",
        # A transfer's seq is its day, then ord (openings, incomes, holds, payments made),
        # then num (its number among its kind): computed, not sorted for (sparse, ascending).
        f"""
    CREATE VIEW bench_transfer AS
    SELECT bench_bid(30, n) AS id, 'POSTED' AS kind, bench_bid(23, 2) AS from_id,
           bench_bid(2, n) AS to_id, bench_bid(2, n) AS account_id, 500000::bigint AS amount,
           NULL::uuid AS pending_id, current_date - 1101 AS value_date, 0 AS ord,
           'IN_OTHER' AS category, 'Opening balance' AS description, bench_bid(1, n) AS client_id,
           n AS num
      FROM generate_series(1, CAST(:clients AS bigint)) n
    UNION ALL
    SELECT bench_bid(32, k), 'PENDING', bench_bid(2, n), bench_bid(21, s), bench_bid(2, n),
           amount, NULL, day + 1, 2, 'OUT_CARE_FEES', 'Payment ' || k, bench_bid(1, n), k
      FROM bench_payment WHERE status IN ('APPROVED', 'MADE')
    UNION ALL
    SELECT bench_bid(33, k), 'POST_PENDING', bench_bid(2, n), bench_bid(21, s),
           bench_bid(2, n), amount, bench_bid(32, k), day + 3, 3, 'OUT_CARE_FEES',
           'Payment ' || k, bench_bid(1, n), k
      FROM bench_payment WHERE status = 'MADE'
    UNION ALL
    SELECT bench_bid(31, g), 'POSTED', bench_bid(23, 1), bench_bid(2, n), bench_bid(2, n),
           2000 + (g * 53) % 9000, NULL,
           current_date - 1100 + (g * 1095 / i.total)::int, 1,
           CASE WHEN g % 3 = 0 THEN 'IN_STATE_PENSION' ELSE 'IN_BENEFITS' END, 'Benefit',
           bench_bid(1, n), g
      FROM (SELECT CAST(:transfers AS bigint) - CAST(:clients AS bigint)
                   - count(*) FILTER (WHERE status IN ('APPROVED', 'MADE'))
                   - count(*) FILTER (WHERE status = 'MADE') AS total
              FROM bench_payment) i,
           generate_series(1, i.total) g,
           LATERAL (SELECT {client_number("g")} AS n) c
    """,
    ),
]

LEDGER = [
    (
        "transfers (balance after each, by a running sum per client account)",
        """
    INSERT INTO transfer (id, seq, kind, from_account_id, to_account_id, amount, pending_id,
                          value_date, posted_at, category, description, client_id, recorded_by,
                          from_balance_after, to_balance_after)
    SELECT id, seq, kind, from_id, to_id, amount, pending_id, value_date,
           value_date + TIME '10:00' + ord * INTERVAL '1 minute', category, description,
           client_id, 'bench',
           CASE WHEN kind = 'POST_PENDING' THEN balance END,
           CASE WHEN kind = 'POSTED' THEN balance END
      FROM (SELECT *, sum(CASE kind WHEN 'POSTED' THEN amount WHEN 'POST_PENDING' THEN -amount
                                    ELSE 0 END)
                        OVER (PARTITION BY account_id ORDER BY seq) AS balance
              FROM (SELECT *, ((value_date - (current_date - 1101)) * 4 + ord)::bigint
                              * 16777216 + num AS seq
                      FROM bench_transfer) s) b
     ORDER BY seq
    """,
    ),
    ("transfer sequence", "SELECT setval('transfer_seq_seq', (SELECT max(seq) FROM transfer))"),
]

# What the ledger's triggers keep, from the staged transfers: beside LEDGER.
KEPT = [
    (
        "posted and held balances",
        """
    UPDATE ledger_account a SET posted = t.posted, held = t.held
      FROM (SELECT account_id,
                   sum(CASE kind WHEN 'POSTED' THEN amount WHEN 'POST_PENDING' THEN -amount
                            ELSE 0 END) AS posted,
                   sum(CASE kind WHEN 'PENDING' THEN amount WHEN 'POST_PENDING' THEN -amount
                            ELSE 0 END) AS held
              FROM bench_transfer GROUP BY account_id) t
     WHERE a.id = t.account_id
    """,
    ),
    (
        "ledger_account_month (as transfer_month groups it)",
        """
    INSERT INTO ledger_account_month (month_end, account_id, client_id, moved)
    SELECT (date_trunc('month', value_date) + INTERVAL '1 month - 1 day')::date, account_id,
           client_id, sum(CASE kind WHEN 'POSTED' THEN amount ELSE -amount END)
      FROM bench_transfer WHERE kind IN ('POSTED', 'POST_PENDING')
     GROUP BY 1, account_id, client_id
    """,
    ),
]

# The rest, on a third connection beside LEDGER and KEPT.
OTHERS = [
    (
        "invoices",
        f"""
    INSERT INTO invoice (id, client_id, supplier_id, supplier_invoice_number, invoice_date,
                         amount, kind, category, description, received_on, due_on,
                         official_invoice, source, recorded_by, recorded_at)
    SELECT bench_bid(7, k), bench_bid(1, n), bench_bid(20, s), 'INV' || k, day - 2,
           amount, 'SUPPLIER', 'OUT_CARE_FEES', 'Care fees', day, day + 28, true, 'OFFICER',
           'officer' || (1 + k % 40), day + TIME '09:00'
      FROM (SELECT k, n, s, amount, day FROM bench_payment
             WHERE k <= CAST(:invoices AS bigint) * 7 / 10
            UNION ALL
            SELECT k, {client_number("k")}, 1 + k % CAST(:suppliers AS int),
                   1000 + (k * 37) % 5000, current_date - 90 + (k % 90)::int
              FROM generate_series(CAST(:invoices AS bigint) * 7 / 10 + 1,
                                   CAST(:invoices AS bigint)) k) i
    """,
    ),
    (
        "invoice checks (the paid, and one in five of the rest)",
        """
    INSERT INTO invoice_check (invoice_id, check_name, passed, checked_by, checked_at)
    SELECT bench_bid(7, k), c, true, 'officer' || (1 + k % 40), now() - INTERVAL '1 day'
      FROM generate_series(1, CAST(:invoices AS bigint)) k,
           unnest(ARRAY['HEADED', 'DATED', 'FOR_THIS_CLIENT', 'GOODS_RECEIVED', 'HOW_TO_PAY',
                        'ARITHMETIC', 'NOT_DUPLICATE']) c
     WHERE k <= CAST(:invoices AS bigint) * 7 / 10 OR k % 5 = 2
    """,
    ),
    (
        "invoice events (one in ten unpaid cancelled)",
        """
    INSERT INTO invoice_event (invoice_id, event, note, recorded_by)
    SELECT bench_bid(7, k), 'CANCELLED', 'duplicate', 'officer' || (1 + k % 40)
      FROM generate_series(CAST(:invoices AS bigint) * 7 / 10 + 1, CAST(:invoices AS bigint)) k
     WHERE k % 10 = 0
    """,
    ),
    (
        "invoice holds (one in 25 unpaid)",
        """
    INSERT INTO invoice_hold (id, invoice_id, cause, reason, recorded_by)
    SELECT bench_bid(16, k), bench_bid(7, k), 'OFFICER', 'disputed', 'officer' || (1 + k % 40)
      FROM generate_series(CAST(:invoices AS bigint) * 7 / 10 + 1, CAST(:invoices AS bigint)) k
     WHERE k % 25 = 1
    """,
    ),
    (
        "payments",
        """
    INSERT INTO payment (id, client_id, invoice_id, payee_id, from_account_id, amount, category,
                         method, description, raised_by, raised_at)
    SELECT bench_bid(6, k), bench_bid(1, n),
           CASE WHEN k <= CAST(:invoices AS bigint) * 7 / 10 THEN bench_bid(7, k) END,
           bench_bid(20, s), bench_bid(2, n), amount, 'OUT_CARE_FEES', 'BANK_TRANSFER',
           'Payment ' || k, 'officer' || (1 + k % 30), day + TIME '11:00'
      FROM bench_payment
    """,
    ),
    (
        "payment events (APPROVED with the hold, MADE with the posting, CANCELLED)",
        """
    INSERT INTO payment_event (payment_id, event, transfer_id, limit_version_id, recorded_by,
                               recorded_at)
    SELECT bench_bid(6, k), 'APPROVED', bench_bid(32, k),
           (SELECT min(id) FROM approval_limit_version), 'senior' || (1 + k % 10),
           day + 1 + TIME '10:00'
      FROM bench_payment WHERE status IN ('APPROVED', 'MADE')
    UNION ALL
    SELECT bench_bid(6, k), 'MADE', bench_bid(33, k), NULL, 'officer' || (1 + k % 30),
           day + 3 + TIME '10:00'
      FROM bench_payment WHERE status = 'MADE'
    UNION ALL
    SELECT bench_bid(6, k), 'CANCELLED', NULL, NULL, 'officer' || (1 + k % 30),
           day + 1 + TIME '10:00'
      FROM bench_payment WHERE status = 'CANCELLED'
    """,
    ),
    (
        "decisions (one in 100 pending; one in 100 an investment plan, lodged-to-be)",
        f"""
    INSERT INTO decision (id, client_id, kind, amount, what_was_decided, best_interests_reason,
                          consulted, client_involved, raised_by, raised_at, raised_on)
    SELECT bench_bid(8, k), bench_bid(1, {client_number("k")}),
           CASE WHEN abs(hashint8(k)) % 100 = 50 THEN 'INVESTMENT_PLAN' ELSE 'BEST_INTEREST' END,
           CASE WHEN abs(hashint8(k)) % 100 = 50 THEN 3000000 ELSE 0 END, 'bench', 'bench',
           'family', true,
           'officer' || (1 + k % 30), now() - (1100 - k * 1090 / CAST(:decisions AS bigint))
             * INTERVAL '1 day', current_date - 1100 + (k * 1090 / CAST(:decisions AS bigint))::int
      FROM generate_series(1, CAST(:decisions AS bigint)) k
    """,
    ),
    (
        "decision authors",
        """
    INSERT INTO decision_author (decision_id, author)
    SELECT id, raised_by FROM decision WHERE raised_by LIKE 'officer%'
    """,
    ),
    (
        "decision events",
        """
    INSERT INTO decision_event (decision_id, event, on_date, limit_version_id, recorded_by)
    SELECT bench_bid(8, k), 'APPROVED',
           least(current_date, current_date - 1098 + (k * 1090 / CAST(:decisions AS bigint))::int),
           (SELECT min(id) FROM approval_limit_version), 'senior' || (1 + k % 10)
      FROM generate_series(1, CAST(:decisions AS bigint)) k
     WHERE abs(hashint8(k)) % 100 <> 5
    """,
    ),
    (
        "lodgements (proposed on the investment plans)",
        f"""
    INSERT INTO lodgement (id, client_id, decision_id, amount, proposed_by, proposed_at)
    SELECT bench_bid(15, k), bench_bid(1, {client_number("k")}), bench_bid(8, k), 3000000,
           'officer' || (1 + k % 30), now() - (1100 - k * 1090 / CAST(:decisions AS bigint))
             * INTERVAL '1 day' + INTERVAL '3 days'
      FROM generate_series(1, CAST(:decisions AS bigint)) k
     WHERE abs(hashint8(k)) % 100 = 50
    """,
    ),
    (
        "budget plans (every other client's current one, last year's for one in ten; one in "
        "twenty over the lodgement threshold)",
        """
    INSERT INTO budget_plan (id, client_id, plan_year_start, opening_balance, annual_income,
                             annual_expenditure, available_income, surplus, recorded_by,
                             recorded_at)
    SELECT bench_bid(p, n), bench_bid(1, n),
           current_date - (n * 7 % 400)::int - CASE WHEN p = 10 THEN 365 ELSE 0 END,
           CASE WHEN n % 20 = 0 THEN 4000000 ELSE 300000 END, 1200000, 1000000, 200000,
           CASE WHEN n % 20 = 0 THEN 4200000 ELSE 500000 END, 'officer' || (1 + n % 30),
           now() - (n * 7 % 400) * INTERVAL '1 day' - CASE WHEN p = 10 THEN INTERVAL '365 days'
                                                           ELSE INTERVAL '0 days' END
      FROM generate_series(2, CAST(:clients AS int), 2) n, generate_series(9, 10) p
     WHERE p = 9 OR n % 10 = 0
    """,
    ),
    (
        "budget plan lines",
        """
    INSERT INTO budget_plan_line (plan_id, line_no, side, item, amount, frequency)
    SELECT b.id, l, CASE WHEN l <= 2 THEN 'INCOME' ELSE 'EXPENDITURE' END,
           (ARRAY['State pension', 'Attendance allowance', 'Care home top-up', 'Personal'])[l],
           CASE WHEN l <= 2 THEN 50000 ELSE 41667 END, 'MONTHLY'
      FROM budget_plan b, generate_series(1, 4) l WHERE b.recorded_by LIKE 'officer%'
    """,
    ),
    (
        "annual reviews (two deputy clients in three; one in 25 corrected, R-AUD-2)",
        """
    INSERT INTO client_review (id, client_id, reviewed_on, methods, needs, finances,
                               client_involved, supersedes_id, reason, recorded_by, recorded_at)
    SELECT bench_bid(17 + c, n), bench_bid(1, n), current_date - 20 - (n % 400) - 3 * c,
           ARRAY['PERSONAL_VISIT'], 'needs met', 'finances reviewed', true,
           CASE WHEN c = 1 THEN bench_bid(17, n) END, CASE WHEN c = 1 THEN 'date mistyped' END,
           'officer' || (n % 40), now() - (n % 400) * INTERVAL '1 day' + c * INTERVAL '1 hour'
      FROM generate_series(1, CAST(:clients AS int) * 7 / 10) n, generate_series(0, 1) c
     WHERE n % 3 <> 0 AND (c = 0 OR n % 25 = 1) AND n % 3000 + 180 > n % 400 + 3 * c
     ORDER BY c, n
    """,
    ),
    (
        "receipts (one income in eight)",
        """
    INSERT INTO receipt (transfer_id, client_id, method, received_on, banked_on)
    SELECT id, client_id, 'BANK_TRANSFER', value_date, value_date
      FROM bench_transfer WHERE ord = 1 AND hashtext(id::text) % 8 = 0
    """,
    ),
]


async def run_steps(
    conn: AsyncConnection, steps: list[tuple[str, str]], params: dict[str, int]
) -> None:
    for label, sql in steps:
        t0 = time.perf_counter()
        if sql.lstrip().startswith("CREATE VIEW"):  # no bound parameters in DDL: the numbers
            for name in sorted(params, key=len, reverse=True):
                sql = sql.replace(f":{name}", str(int(params[name])))
            await conn.execute(text(sql))
            print(f"  {label}: {time.perf_counter() - t0:.1f} s", flush=True)
            continue
        await conn.execute(text(sql), params)
        print(f"  {label}: {time.perf_counter() - t0:.1f} s", flush=True)


# The tables whose indexes (those no constraint owns) are dropped for the load and built
# again after it, from their own definitions: one sorted build instead of two million
# random insertions into each (uniqueness is checked by the build).
REBUILT = ("transfer", "payment", "payment_event", "invoice", "invoice_check", "receipt")

INDEXES = """
SELECT pg_get_indexdef(i.indexrelid), i.indexrelid::regclass::text FROM pg_index i
 WHERE i.indrelid = CAST(:t AS regclass)
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""


# No parallel workers: on two cores they gain little, and the backend's own CPU (what
# in_transaction measures) is then all of the statement's; the WAL writer and checkpointer
# are not counted.
SETTINGS = (
    "synchronous_commit = off",
    "work_mem = '256MB'",
    "maintenance_work_mem = '512MB'",
    "max_parallel_workers_per_gather = 0",
    "max_parallel_maintenance_workers = 0",
)


async def in_transaction(
    engine: AsyncEngine,
    steps: list[tuple[str, str]],
    params: dict[str, int],
    *,
    replica: bool = False,
    indexes: list[str] | None = None,
    then: list[tuple[str, str]] | None = None,
) -> float:
    """``steps`` in one transaction of their own, then ``indexes`` built. ``replica``: with
    the RI triggers and the ledger's and the order versions' triggers off (see the module's
    docstring: what they check is checked afterwards, what they keep is filled by the steps).
    Returns the CPU seconds its PostgreSQL backend spent (0 if the server is not on this
    machine): a figure a loaded machine does not inflate, unlike the wall clock."""
    async with engine.begin() as conn:
        pid = int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())
        cpu = backend_cpu(pid)
        for setting in SETTINGS:
            await conn.execute(text(f"SET LOCAL {setting}"))
        if replica:
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await run_steps(conn, steps, params)
        if replica:
            await conn.execute(text("SET LOCAL session_replication_role = origin"))
        t0 = time.perf_counter()
        for definition in indexes or []:
            await conn.execute(text(definition))
        if indexes:
            print(f"  {len(indexes)} indexes built: {time.perf_counter() - t0:.1f} s", flush=True)
        if then:  # with the indexes built (a rebuild without them took minutes)
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
            await run_steps(conn, then, params)
        return backend_cpu(pid) - cpu


def backend_cpu(pid: int) -> float:
    """User and system CPU seconds of process ``pid`` so far (/proc; 0 if not readable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# What triggers keep, the replica mode skips, and each migration's function rebuilds: the
# current statuses (0048), each deputy client's next OPG report (0054) and the annual review
# clocks (0055), from the orders, reviews, payments, invoices and decisions loaded on the third
# connection and the client versions and deaths loaded before it.
REBUILT_BY_TRIGGERS = (
    ("current statuses rebuilt", "current_status_rebuild"),
    ("next OPG reports rebuilt", "opg_report_next_rebuild"),
    ("annual review clocks rebuilt", "annual_review_clock_rebuild"),
)


# Each client's income by tax year (migration 0056), from the transfers: on the ledger's
# connection, once its indexes are built.
REBUILT_FROM_TRANSFERS = (("tax years rebuilt", "client_tax_year_rebuild"),)


async def _rebuilds(
    conn: AsyncConnection, functions: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The steps calling each of ``functions`` the database has (an older head has fewer)."""
    return [
        (label, f"SELECT {function}()")
        for label, function in functions
        if (await conn.execute(text("SELECT to_regproc(:f)"), {"f": function})).scalar()
    ]


async def load(engine: AsyncEngine, sizes: Sizes) -> None:
    """Everything above on two or three connections at once (two cores): the people and
    accounts beside the staging of the payments and transfers, then the transfers beside the
    balances and months they keep beside everything else. The
    payments' staging table (unlogged), the transfers' view (``bench_transfer``: each of its
    three readers makes the rows it reads, no two million staged rows) and ``bench_bid`` are
    dropped at the end; a load that failed half way leaves a half-loaded database: drop it."""
    params = sizes.params()
    rebuilt: dict[str, list[str]] = {}
    async with engine.begin() as conn:
        for sql in FUNCTIONS:
            await conn.execute(text(sql))
        for table in REBUILT:
            for definition, name in (await conn.execute(text(INDEXES), {"t": table})).all():
                rebuilt.setdefault(table, []).append(definition)
                await conn.execute(text(f"DROP INDEX {name}"))
        # What triggers keep (the replica mode skips them), rebuilt set-based by each
        # migration's own function, last on the connection that loads their rows, once its
        # indexes are built: off the ledger's critical path where they can be (the current
        # statuses ran alone after the load before, 6 s).
        rebuilds = await _rebuilds(conn, REBUILT_BY_TRIGGERS)
        tax_years = await _rebuilds(conn, REBUILT_FROM_TRANSFERS)
    ledger_indexes = rebuilt.pop("transfer", [])
    other_indexes = [d for ds in rebuilt.values() for d in ds]
    first = await asyncio.gather(
        in_transaction(engine, PEOPLE + ACCOUNTS, params),
        in_transaction(engine, STAGE, params),
    )
    second = await asyncio.gather(
        in_transaction(
            engine,
            LEDGER,
            params,
            replica=True,
            indexes=ledger_indexes,
            then=tax_years,
        ),
        in_transaction(engine, KEPT, params, replica=True),
        in_transaction(
            engine,
            ORDERS + OTHERS,
            params,
            replica=True,
            indexes=other_indexes,
            then=rebuilds,
        ),
    )
    total = sum(first) + sum(second)
    print(
        f"  PostgreSQL CPU: {total:.1f} s in all; the longest chain {max(first) + max(second):.1f}"
        f" s (people {first[0]:.1f}, staging {first[1]:.1f}, ledger {second[0]:.1f}, kept "
        f"{second[1]:.1f}, the rest {second[2]:.1f}): on two idle cores the load needs about "
        f"max(in all / 2, the longest chain)",
        flush=True,
    )
    async with engine.begin() as conn:
        await conn.execute(text("DROP VIEW bench_transfer"))
        await conn.execute(text("DROP TABLE bench_payment"))
        await conn.execute(text("DROP FUNCTION bench_bid"))


FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname
  FROM pg_constraint c
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
  JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
 WHERE c.contype = 'f' AND cardinality(c.conkey) = 1
   AND c.connamespace = 'public'::regnamespace
"""


async def foreign_keys_broken(conn: AsyncConnection) -> list[str]:
    """Every single-column foreign key checked by one anti-join: the rows whose reference has
    no row (what the RI triggers skipped under ``session_replication_role = replica``)."""
    broken = []
    for child, col, parent, pcol in (await conn.execute(text(FOREIGN_KEYS))).all():
        sql = (
            f'SELECT count(*) FROM {child} c WHERE c."{col}" IS NOT NULL AND NOT EXISTS '
            f'(SELECT 1 FROM {parent} p WHERE p."{pcol}" = c."{col}")'
        )
        if n := (await conn.execute(text(sql))).scalar_one():
            broken.append(f"{child}.{col} -> {parent}: {n} rows")
    return broken


CONSISTENCY = {
    # migration 0049's kept pointer (its trigger ran: client versions load with triggers on)
    "clients whose kept current version is not their latest": """
    SELECT count(*) FROM client_current_version c
      FULL JOIN (SELECT client_id, max(version) AS version FROM client_version GROUP BY client_id) m
        ON m.client_id = c.client_id
     WHERE c.version IS DISTINCT FROM m.version
    """,
    # migration 0055's clocks (rebuilt after the load): what the orders and reviews say
    "annual review clocks that disagree with their rows": """
    SELECT count(*) FROM annual_review_clock k FULL JOIN annual_review_clock_derived d
        USING (deputyship_id)
     WHERE (k.client_id, k.order_date, k.end_date, k.last_reviewed_on, k.live, k.months,
            k.due_on) IS DISTINCT FROM (d.client_id, d.order_date, d.end_date,
            d.last_reviewed_on, d.live, d.months, d.due_on)
    """,
    # what the order versions' triggers keep: each order's latest version and its period
    "orders whose order_in_force row is not their latest version": """
    SELECT count(*) FROM order_in_force f FULL JOIN (
      SELECT DISTINCT ON (deputyship_id) deputyship_id AS order_id, version,
             order_period(order_date, end_date) AS during
        FROM deputyship_version ORDER BY deputyship_id, version DESC) d USING (order_id)
     WHERE (f.kind = 'deputyship' OR d.order_id IS NOT NULL)
       AND (f.version IS DISTINCT FROM d.version OR f.during IS DISTINCT FROM d.during)
    """,
    "appointeeships whose order_in_force row is not their latest version": """
    SELECT count(*) FROM order_in_force f FULL JOIN (
      SELECT DISTINCT ON (appointeeship_id) appointeeship_id AS order_id, version,
             order_period(start_date, end_date) AS during
        FROM appointeeship_version ORDER BY appointeeship_id, version DESC) a USING (order_id)
     WHERE (f.kind = 'appointeeship' OR a.order_id IS NOT NULL)
       AND (f.version IS DISTINCT FROM a.version OR f.during IS DISTINCT FROM a.during)
    """,
    # every kept balance equals the sum of its transfers (what transfer_apply keeps)
    "accounts whose posted/held disagree with their transfers": """
    SELECT count(*) FROM ledger_account a LEFT JOIN (
      SELECT account_id, sum(posted) AS posted, sum(held) AS held FROM (
        SELECT to_account_id AS account_id,
               CASE WHEN kind IN ('POSTED', 'POST_PENDING') THEN amount ELSE 0 END AS posted,
               0 AS held FROM transfer
        UNION ALL
        SELECT from_account_id,
               CASE WHEN kind IN ('POSTED', 'POST_PENDING') THEN -amount ELSE 0 END,
               CASE kind WHEN 'PENDING' THEN amount WHEN 'POST_PENDING' THEN -amount
                         WHEN 'VOID_PENDING' THEN -amount ELSE 0 END FROM transfer) l
       GROUP BY account_id) t ON t.account_id = a.id
     WHERE a.kind <> 'COUNTERPARTY'
       AND (a.posted <> coalesce(t.posted, 0) OR a.held <> coalesce(t.held, 0))
    """,
    # ledgerCheck's first half: every balance sums to zero (client accounts by their kept
    # balance, counterparties by their transfers)
    "pence by which all balances fail to sum to zero": """
    SELECT abs((SELECT coalesce(sum(posted), 0) FROM ledger_account WHERE kind <> 'COUNTERPARTY')
      + (SELECT coalesce(sum(CASE WHEN a.id = t.to_account_id THEN t.amount ELSE -t.amount END),
                         0)
           FROM transfer t JOIN ledger_account a
             ON a.id IN (t.to_account_id, t.from_account_id) AND a.kind = 'COUNTERPARTY'
          WHERE t.kind IN ('POSTED', 'POST_PENDING')))
    """,
    # what transfer_month keeps
    "ledger_account_month rows that disagree with the transfers": """
    SELECT count(*) FROM ledger_account_month m FULL JOIN (
      SELECT (date_trunc('month', value_date) + INTERVAL '1 month - 1 day')::date AS month_end,
             account_id, sum(signed) AS moved FROM (
        SELECT value_date, to_account_id AS account_id, amount AS signed FROM transfer
         WHERE kind IN ('POSTED', 'POST_PENDING')
        UNION ALL
        SELECT value_date, from_account_id, -amount FROM transfer
         WHERE kind IN ('POSTED', 'POST_PENDING')) l
       JOIN ledger_account a ON a.id = l.account_id AND a.kind <> 'COUNTERPARTY'
       GROUP BY 1, 2) t USING (month_end, account_id)
     WHERE m.moved IS DISTINCT FROM t.moved
    """,
    # what transfer_apply writes on each row: the balance after it, never below zero
    "transfers whose balance after is wrong or below zero": """
    SELECT count(*) FROM (
      SELECT t.kind, t.from_balance_after, t.to_balance_after,
             sum(CASE WHEN t.kind IN ('POSTED', 'POST_PENDING') THEN t.amount ELSE 0 END
                 * CASE WHEN a.id = t.to_account_id THEN 1 ELSE -1 END)
               OVER (PARTITION BY a.id ORDER BY t.seq) AS running,
             a.id = t.to_account_id AS incoming
        FROM transfer t JOIN ledger_account a
          ON a.id IN (t.from_account_id, t.to_account_id) AND a.kind <> 'COUNTERPARTY') r
     WHERE running < 0
        OR (kind IN ('POSTED', 'POST_PENDING')
            AND running IS DISTINCT FROM
                CASE WHEN incoming THEN to_balance_after ELSE from_balance_after END)
    """,
    # R-ACC-2: one client's accounts on a transfer, and the transfer names that client
    "transfers not naming their one client (R-ACC-2)": """
    SELECT count(*) FROM transfer t
      JOIN ledger_account f ON f.id = t.from_account_id
      JOIN ledger_account o ON o.id = t.to_account_id
     WHERE coalesce(f.client_id, o.client_id) IS NULL
        OR f.client_id <> o.client_id
        OR t.client_id IS DISTINCT FROM coalesce(f.client_id, o.client_id)
    """,
}


async def consistency(conn: AsyncConnection) -> dict[str, int]:
    """What the bypassed triggers keep or check, recomputed from the rows: all zero."""
    return {
        label: int((await conn.execute(text(sql))).scalar_one())
        for label, sql in CONSISTENCY.items()
    }
