"""A client's property (issue 14 item 3; R-CARE-4, seed 002 B 8-9). All append-only (R-AUD-2).

- ``property_record``: address, ownership (SOLE, JOINT, OTHER), insurance and its renewal, who
  holds the keys; a correction supersedes the last (``supersedes_id``, once each).
- ``property_visit``: protection-of-property visits (B 8.2).
- ``property_invoice``: the Protection of Property team's invoices (B 8.3-8.4), invoices of the
  invoices module (due 21 working days from receipt, R-PAY-1), once each.
- ``property_consultation``, ``property_valuation``, ``property_offer``: the sale's evidence
  (B 9.1-9.3).
- ``property_home_decision``: the BEST_INTEREST decision that the client is not likely to
  return home (B 9.1).
- ``property_price_agreement``: the deputy's agreement to an offer's price (B 9.3), once per
  offer.
- ``property_sale``: the sale agreed, once per property.
- ``property_letting``: letting on the court's authority after tenders (B 9.4).
- ``property_sale_proceeds``: the receipt of the sale's proceeds (B 9.5), once.
- ``policy_figure`` ``property_sale_valuations`` 3 (B 9.2) and ``property_letting_tenders`` 2
  (B 9.4 "tenders from responsible local agents").

Revision ID: 0034
Revises: 0033
"""

from ca_api.migrate import make_append_only, run_script

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

TABLES = [
    "property_record",
    "property_visit",
    "property_invoice",
    "property_consultation",
    "property_valuation",
    "property_offer",
    "property_home_decision",
    "property_price_agreement",
    "property_sale",
    "property_letting",
    "property_sale_proceeds",
]

UPGRADE = r"""
CREATE TABLE property_record (
  id                  uuid PRIMARY KEY,
  client_id           uuid NOT NULL REFERENCES client (id),
  address             text NOT NULL CHECK (length(btrim(address)) BETWEEN 1 AND 2000),
  ownership           text NOT NULL CHECK (ownership IN ('SOLE', 'JOINT', 'OTHER')),
  co_owners           text CHECK (co_owners IS NULL OR length(co_owners) <= 2000),
  insured             boolean NOT NULL,
  insurer             text CHECK (insurer IS NULL OR length(insurer) <= 200),
  policy_number       text CHECK (policy_number IS NULL OR length(policy_number) <= 200),
  insurance_renews_on date,
  keys_held_by        text CHECK (keys_held_by IS NULL OR length(keys_held_by) <= 200),
  supersedes_id       uuid REFERENCES property_record (id),
  reason              text,
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_property_record_owners CHECK ((ownership = 'SOLE') = (co_owners IS NULL)),
  CONSTRAINT ck_property_record_insured CHECK (
    NOT insured OR (insurer IS NOT NULL AND insurance_renews_on IS NOT NULL)),
  CONSTRAINT ck_property_record_reason CHECK ((supersedes_id IS NULL) = (reason IS NULL)),
  CONSTRAINT uq_property_record_supersedes UNIQUE (supersedes_id)
);
CREATE INDEX ix_property_record_client ON property_record (client_id);

CREATE TABLE property_visit (
  id             uuid PRIMARY KEY,
  client_id      uuid NOT NULL REFERENCES client (id),
  property_id    uuid NOT NULL REFERENCES property_record (id),
  visited_on     date NOT NULL,
  visited_by     text NOT NULL CHECK (length(btrim(visited_by)) BETWEEN 1 AND 200),
  notes          text NOT NULL CHECK (length(btrim(notes)) BETWEEN 1 AND 2000),
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_property_visit_property ON property_visit (property_id);

CREATE TABLE property_invoice (
  id             uuid PRIMARY KEY,
  client_id      uuid NOT NULL REFERENCES client (id),
  property_id    uuid NOT NULL REFERENCES property_record (id),
  invoice_id     uuid NOT NULL REFERENCES invoice (id),
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_property_invoice_invoice UNIQUE (invoice_id)
);
CREATE INDEX ix_property_invoice_property ON property_invoice (property_id);

CREATE TABLE property_consultation (
  id             uuid PRIMARY KEY,
  client_id      uuid NOT NULL REFERENCES client (id),
  property_id    uuid NOT NULL REFERENCES property_record (id),
  consulted      text NOT NULL CHECK (length(btrim(consulted)) BETWEEN 1 AND 200),
  consulted_on   date NOT NULL,
  outcome        text NOT NULL CHECK (length(btrim(outcome)) BETWEEN 1 AND 2000),
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_property_consultation_property ON property_consultation (property_id);

CREATE TABLE property_valuation (
  id             uuid PRIMARY KEY,
  client_id      uuid NOT NULL REFERENCES client (id),
  property_id    uuid NOT NULL REFERENCES property_record (id),
  agent          text NOT NULL CHECK (length(btrim(agent)) BETWEEN 1 AND 200),
  amount         bigint NOT NULL CHECK (amount > 0),
  valued_on      date NOT NULL,
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_property_valuation_property ON property_valuation (property_id);

CREATE TABLE property_offer (
  id             uuid PRIMARY KEY,
  client_id      uuid NOT NULL REFERENCES client (id),
  property_id    uuid NOT NULL REFERENCES property_record (id),
  offeror        text NOT NULL CHECK (length(btrim(offeror)) BETWEEN 1 AND 200),
  amount         bigint NOT NULL CHECK (amount > 0),
  made_on        date NOT NULL,
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_property_offer_property ON property_offer (property_id);

CREATE TABLE property_home_decision (
  id             uuid PRIMARY KEY,
  client_id      uuid NOT NULL REFERENCES client (id),
  property_id    uuid NOT NULL REFERENCES property_record (id),
  decision_id    uuid NOT NULL REFERENCES decision (id),
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_property_home_decision_decision UNIQUE (decision_id)
);
CREATE INDEX ix_property_home_decision_property ON property_home_decision (property_id);

CREATE TABLE property_price_agreement (
  id             uuid PRIMARY KEY,
  client_id      uuid NOT NULL REFERENCES client (id),
  property_id    uuid NOT NULL REFERENCES property_record (id),
  offer_id       uuid NOT NULL REFERENCES property_offer (id),
  amount         bigint NOT NULL CHECK (amount > 0),
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_property_price_agreement_offer UNIQUE (offer_id)
);

CREATE TABLE property_sale (
  id             uuid PRIMARY KEY,
  client_id      uuid NOT NULL REFERENCES client (id),
  property_id    uuid NOT NULL REFERENCES property_record (id),
  offer_id       uuid NOT NULL REFERENCES property_offer (id),
  price          bigint NOT NULL CHECK (price > 0),
  agreed_on      date NOT NULL,
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_property_sale_property UNIQUE (property_id)
);

CREATE TABLE property_letting (
  id             uuid PRIMARY KEY,
  client_id      uuid NOT NULL REFERENCES client (id),
  property_id    uuid NOT NULL REFERENCES property_record (id),
  court_reference     text NOT NULL CHECK (length(btrim(court_reference)) BETWEEN 1 AND 200),
  court_authorised_on date NOT NULL,
  tenders             text[] NOT NULL,
  agent               text NOT NULL CHECK (length(btrim(agent)) BETWEEN 1 AND 200),
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_property_letting_property ON property_letting (property_id);

CREATE TABLE property_sale_proceeds (
  id             uuid PRIMARY KEY,
  client_id      uuid NOT NULL REFERENCES client (id),
  sale_id        uuid NOT NULL REFERENCES property_sale (id),
  transfer_id    uuid NOT NULL REFERENCES receipt (transfer_id),
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_property_sale_proceeds_sale UNIQUE (sale_id),
  CONSTRAINT uq_property_sale_proceeds_transfer UNIQUE (transfer_id)
);

INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) VALUES
  ('property_sale_valuations', '2014-04-01', 3, 'COUNT', 'seed 002 B 9.2: a valuation from three independent estate agents before a client''s property is sold (R-CARE-4)', 'migration'),
  ('property_letting_tenders', '2014-04-01', 2, 'COUNT', 'seed 002 B 9.4: tenders from responsible local agents (plural: at least two) before a client''s property is let on the court''s authority (R-CARE-4)', 'migration');
"""

DOWNGRADE = r"""
DROP TABLE property_sale_proceeds, property_letting, property_sale, property_price_agreement,
  property_home_decision, property_offer, property_valuation, property_consultation,
  property_invoice, property_visit, property_record;
ALTER TABLE policy_figure DISABLE TRIGGER policy_figure_append_only;
DELETE FROM policy_figure WHERE name IN ('property_sale_valuations', 'property_letting_tenders');
ALTER TABLE policy_figure ENABLE TRIGGER policy_figure_append_only;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)
