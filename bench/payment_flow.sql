-- One payment as the API makes it, as three transactions of the same SQL shape: raise (an
-- officer), approve (another officer: a hold), make (the hold posted). Each claims an
-- idempotency key, locks what the service locks, inserts what it inserts, and audits.
-- Variables: :clients (how many bench clients), :payee_id::uuid, :payee_account::uuid (the supplier).
\set n random(1, :clients)
-- raise
BEGIN;
INSERT INTO idempotency_key (principal, key, operation, request_hash)
  VALUES ('bench.raiser', gen_random_uuid()::text, 'raisePayment', '\x00'::bytea)
  RETURNING key AS k1 \gset
SELECT c.id AS client_id, a.id AS account_id
  FROM bench_client c JOIN ledger_account a ON a.client_id = c.id AND a.kind = 'CLIENT_CMS'
 WHERE c.n = :n::int \gset
SELECT id FROM counterparty WHERE id = :payee_id::uuid;
INSERT INTO payment (id, client_id, payee_id, from_account_id, amount, category, method,
                     description, standing, raised_by)
  VALUES (gen_random_uuid(), :client_id::uuid, :payee_id::uuid, :account_id::uuid, 1000, 'OUT_OTHER',
          'BANK_TRANSFER', 'bench', true, 'bench.raiser')
  RETURNING id AS payment_id \gset
INSERT INTO audit_log (stream, stream_seq, principal, principal_roles, entity_type, entity_id,
                       action, after, request_id, client_id, prev_hash, hash)
  VALUES ('client:' || :client_id::text, 0, 'bench.raiser', 'assistant', 'payment', :payment_id::uuid,
          'raise', '{"amount": 1000}', 'bench', :client_id::uuid, ''::bytea, ''::bytea);
UPDATE idempotency_key SET result = jsonb_build_object('payment_id', :payment_id::text)
 WHERE principal = 'bench.raiser' AND key = :k1::text;
COMMIT;
-- approve
BEGIN;
INSERT INTO idempotency_key (principal, key, operation, request_hash)
  VALUES ('bench.approver', gen_random_uuid()::text, 'approvePayment', '\x00'::bytea)
  RETURNING key AS k2 \gset
SELECT id FROM payment WHERE id = :payment_id::uuid FOR UPDATE;
SELECT event FROM payment_event WHERE payment_id = :payment_id::uuid;
SELECT id FROM approval_limit_version WHERE effective_from <= current_date
 ORDER BY effective_from DESC LIMIT 1;
SELECT posted, held FROM ledger_account WHERE id = :account_id::uuid FOR UPDATE;
INSERT INTO transfer (id, kind, from_account_id, to_account_id, amount, value_date, category,
                      description, client_id, recorded_by)
  VALUES (gen_random_uuid(), 'PENDING', :account_id::uuid, :payee_account::uuid, 1000, current_date,
          'OUT_OTHER', 'bench', :client_id::uuid, 'bench.approver')
  RETURNING id AS hold_id \gset
INSERT INTO payment_event (payment_id, event, transfer_id, limit_version_id, recorded_by)
  VALUES (:payment_id::uuid, 'APPROVED', :hold_id::uuid, 1, 'bench.approver');
INSERT INTO audit_log (stream, stream_seq, principal, principal_roles, entity_type, entity_id,
                       action, after, request_id, client_id, prev_hash, hash)
  VALUES ('client:' || :client_id::text, 0, 'bench.approver', 'senior_officer', 'payment',
          :payment_id::uuid, 'approve', '{"hold": true}', 'bench', :client_id::uuid, ''::bytea, ''::bytea);
UPDATE idempotency_key SET result = jsonb_build_object('payment_id', :payment_id::text)
 WHERE principal = 'bench.approver' AND key = :k2::text;
COMMIT;
-- make
BEGIN;
INSERT INTO idempotency_key (principal, key, operation, request_hash)
  VALUES ('bench.raiser', gen_random_uuid()::text, 'makePayment', '\x00'::bytea)
  RETURNING key AS k3 \gset
SELECT id FROM payment WHERE id = :payment_id::uuid FOR UPDATE;
SELECT event, transfer_id FROM payment_event WHERE payment_id = :payment_id::uuid;
SELECT posted, held FROM ledger_account WHERE id = :account_id::uuid FOR UPDATE;
INSERT INTO transfer (id, kind, from_account_id, to_account_id, amount, pending_id, value_date,
                      category, description, client_id, recorded_by)
  VALUES (gen_random_uuid(), 'POST_PENDING', :account_id::uuid, :payee_account::uuid, 1000, :hold_id::uuid,
          current_date, 'OUT_OTHER', 'bench', :client_id::uuid, 'bench.raiser');
INSERT INTO payment_event (payment_id, event, transfer_id, recorded_by)
  VALUES (:payment_id::uuid, 'MADE', :hold_id::uuid, 'bench.raiser');
INSERT INTO audit_log (stream, stream_seq, principal, principal_roles, entity_type, entity_id,
                       action, after, request_id, client_id, prev_hash, hash)
  VALUES ('client:' || :client_id::text, 0, 'bench.raiser', 'assistant', 'payment', :payment_id::uuid,
          'make', '{"posted": true}', 'bench', :client_id::uuid, ''::bytea, ''::bytea);
UPDATE idempotency_key SET result = jsonb_build_object('payment_id', :payment_id::text)
 WHERE principal = 'bench.raiser' AND key = :k3::text;
COMMIT;
