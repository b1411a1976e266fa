"""Foundation: the append-only, hash-chained audit trail; officers; clients; court orders.

Every business table here is append-only (R-AUD-2): a change is a new version row that points at
the one it replaces, and the database refuses UPDATE, DELETE and TRUNCATE on them.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from ca_api.migrate import make_append_only, run_script

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only: % refused (R-AUD-2)', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;

-- Audit trail (R-AUD-1, R-AUD-3). One hash chain per stream (a client, or 'system'), so that
-- writers for different clients never queue on one row; each row's hash covers its content and
-- the previous row's hash; the head table holds each chain's last hash, so a removed tail is seen.
CREATE TABLE audit_stream_head (
  stream      text PRIMARY KEY,
  seq         bigint NOT NULL,
  hash        bytea NOT NULL
);

CREATE TABLE audit_log (
  id              bigserial PRIMARY KEY,
  stream          text NOT NULL,
  stream_seq      bigint NOT NULL,
  occurred_at     timestamptz NOT NULL DEFAULT now(),
  principal       text NOT NULL,
  principal_roles text NOT NULL,
  entity_type     text NOT NULL,
  entity_id       text NOT NULL,
  action          text NOT NULL,
  before          jsonb,
  after           jsonb,
  reason          text,
  request_id      text NOT NULL,
  client_id       uuid,
  prev_hash       bytea NOT NULL,
  hash            bytea NOT NULL,
  CONSTRAINT uq_audit_log_stream_seq UNIQUE (stream, stream_seq)
);
CREATE INDEX ix_audit_log_client ON audit_log (client_id, id) WHERE client_id IS NOT NULL;
CREATE INDEX ix_audit_log_entity ON audit_log (entity_type, entity_id, id);
CREATE INDEX ix_audit_log_principal ON audit_log (principal, id);
CREATE INDEX ix_audit_log_occurred ON audit_log (occurred_at, id);

CREATE FUNCTION audit_row_hash(prev bytea, r audit_log) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(prev || convert_to(jsonb_build_array(
    r.stream, r.stream_seq, (extract(epoch FROM r.occurred_at) * 1000000)::bigint,
    r.principal, r.principal_roles, r.entity_type, r.entity_id, r.action,
    r.before, r.after, r.reason, r.request_id, r.client_id)::text, 'UTF8'))
$$;

CREATE FUNCTION audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head audit_stream_head%ROWTYPE;
BEGIN
  INSERT INTO audit_stream_head (stream, seq, hash)
  VALUES (NEW.stream, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
  ON CONFLICT (stream) DO NOTHING;
  SELECT * INTO head FROM audit_stream_head WHERE stream = NEW.stream FOR UPDATE;
  NEW.occurred_at := coalesce(NEW.occurred_at, now());
  NEW.stream_seq := head.seq + 1;
  NEW.prev_hash := head.hash;
  NEW.hash := audit_row_hash(head.hash, NEW);
  UPDATE audit_stream_head SET seq = NEW.stream_seq, hash = NEW.hash WHERE stream = NEW.stream;
  RETURN NEW;
END $$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_chain();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A chain's head only moves forward, one entry at a time (as audit_chain moves it): a head
-- set back or removed would hide a removed tail, and would make the chain's next entry collide.
CREATE FUNCTION audit_head_advance_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.stream = OLD.stream AND NEW.seq = OLD.seq + 1 THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_stream_head only advances: % refused (R-AUD-2)', TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER audit_stream_head_advance_only BEFORE UPDATE OR DELETE ON audit_stream_head
  FOR EACH ROW EXECUTE FUNCTION audit_head_advance_only();
CREATE TRIGGER audit_stream_head_no_truncate BEFORE TRUNCATE ON audit_stream_head
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Officers: a directory of the people (and systems) that tokens name, for display and for the
-- employee checks of later rules. Roles come from tokens, not from here.
CREATE TABLE officer (
  subject      text PRIMARY KEY,
  display_name text NOT NULL,
  role         text NOT NULL,
  email        text,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Clients: identity (immutable) and versions (append-only).
CREATE SEQUENCE client_reference_seq;
CREATE TABLE client (
  id          uuid PRIMARY KEY,
  reference   text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text NOT NULL
);

CREATE TABLE client_version (
  client_id      uuid NOT NULL REFERENCES client (id),
  version        integer NOT NULL CHECK (version >= 1),
  given_name     text NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
  family_name    text NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
  date_of_birth  date NOT NULL,
  ni_number      text CHECK (ni_number ~ '^[A-Z]{2}[0-9]{6}[A-D]$'),
  address_line1  text,
  address_line2  text,
  town           text,
  postcode       text,
  situation      text NOT NULL CHECK (situation IN ('COMMUNITY', 'RESIDENTIAL_CARE', 'DECEASED_WINDING_UP')),
  status         text NOT NULL CHECK (status IN ('REFERRED', 'ACTIVE', 'CLOSED')),
  referred_by    text,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  recorded_by    text NOT NULL,
  reason         text,
  PRIMARY KEY (client_id, version),
  CHECK (version = 1 OR reason IS NOT NULL)
);
CREATE INDEX ix_client_version_referred_by ON client_version (referred_by) WHERE referred_by IS NOT NULL;

CREATE VIEW client_current AS
  SELECT DISTINCT ON (v.client_id)
         c.id, c.reference, c.created_at, c.created_by, v.version, v.given_name, v.family_name,
         v.date_of_birth, v.ni_number, v.address_line1, v.address_line2, v.town, v.postcode,
         v.situation, v.status, v.referred_by, v.recorded_at, v.recorded_by, v.reason
    FROM client c JOIN client_version v ON v.client_id = c.id
   ORDER BY v.client_id, v.version DESC;

-- DWP appointeeship: the council as appointee for state benefits and pension.
CREATE TABLE appointeeship (
  id          uuid PRIMARY KEY,
  client_id   uuid NOT NULL REFERENCES client (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_appointeeship_client ON appointeeship (client_id);
CREATE TABLE appointeeship_version (
  appointeeship_id uuid NOT NULL REFERENCES appointeeship (id),
  version          integer NOT NULL CHECK (version >= 1),
  dwp_reference    text,
  applied_on       date,
  start_date       date NOT NULL,
  end_date         date,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  recorded_by      text NOT NULL,
  reason           text,
  PRIMARY KEY (appointeeship_id, version),
  CHECK (end_date IS NULL OR end_date >= start_date),
  CHECK (version = 1 OR reason IS NOT NULL)
);

-- Court of Protection deputyship (property and affairs): the powers the order grants (R-ORD-1)
-- and the OPG supervision type (R-ORD-3).
CREATE TABLE deputyship (
  id          uuid PRIMARY KEY,
  client_id   uuid NOT NULL REFERENCES client (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_deputyship_client ON deputyship (client_id);
CREATE TABLE deputyship_version (
  deputyship_id          uuid NOT NULL REFERENCES deputyship (id),
  version                integer NOT NULL CHECK (version >= 1),
  case_number            text NOT NULL CHECK (length(case_number) BETWEEN 1 AND 40),
  order_date             date NOT NULL,
  end_date               date,
  power_receive_income   boolean NOT NULL,
  power_manage_accounts  boolean NOT NULL,
  power_manage_capital   boolean NOT NULL,
  power_sell_property    boolean NOT NULL,
  power_let_property     boolean NOT NULL,
  power_make_gifts       boolean NOT NULL,
  gift_yearly_limit      bigint CHECK (gift_yearly_limit >= 0),
  supervision_type       text NOT NULL CHECK (supervision_type IN ('TYPE_1', 'TYPE_2A', 'TYPE_2', 'TYPE_3')),
  recorded_at            timestamptz NOT NULL DEFAULT now(),
  recorded_by            text NOT NULL,
  reason                 text,
  PRIMARY KEY (deputyship_id, version),
  CHECK (end_date IS NULL OR end_date >= order_date),
  CHECK (power_make_gifts OR gift_yearly_limit IS NULL),
  CHECK (version = 1 OR reason IS NOT NULL)
);
CREATE INDEX ix_deputyship_version_case ON deputyship_version (case_number);

CREATE VIEW appointeeship_current AS
  SELECT DISTINCT ON (v.appointeeship_id)
         a.id, a.client_id, a.created_at, v.version, v.dwp_reference, v.applied_on, v.start_date,
         v.end_date, v.recorded_at, v.recorded_by, v.reason
    FROM appointeeship a JOIN appointeeship_version v ON v.appointeeship_id = a.id
   ORDER BY v.appointeeship_id, v.version DESC;

CREATE VIEW deputyship_current AS
  SELECT DISTINCT ON (v.deputyship_id)
         d.id, d.client_id, d.created_at, v.version, v.case_number, v.order_date, v.end_date,
         v.power_receive_income, v.power_manage_accounts, v.power_manage_capital,
         v.power_sell_property, v.power_let_property, v.power_make_gifts, v.gift_yearly_limit,
         v.supervision_type, v.recorded_at, v.recorded_by, v.reason
    FROM deputyship d JOIN deputyship_version v ON v.deputyship_id = d.id
   ORDER BY v.deputyship_id, v.version DESC;
"""

APPEND_ONLY = [
    "client",
    "client_version",
    "appointeeship",
    "appointeeship_version",
    "deputyship",
    "deputyship_version",
]


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(APPEND_ONLY)


def downgrade() -> None:
    run_script(
        """
        DROP VIEW client_current, appointeeship_current, deputyship_current;
        DROP FUNCTION audit_row_hash(bytea, audit_log);
        DROP TABLE deputyship_version, deputyship, appointeeship_version, appointeeship,
                   client_version, client, officer, audit_log, audit_stream_head;
        DROP SEQUENCE client_reference_seq;
        DROP FUNCTION audit_chain(), audit_head_advance_only(), refuse_change();
        """
    )
