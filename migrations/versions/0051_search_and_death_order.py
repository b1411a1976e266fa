"""The clients search found by index (issue 18 item 1): ``clients(filter: {search: ...})``;
and the deaths in the order ``clientsBeingWoundUp`` lists them.

The search is "part of the name or reference, ignoring case" (``ClientFilter.search``): an
``ILIKE '%...%'`` on each current client's ``given_name || ' ' || family_name`` and on its
reference. No btree serves a "contains", so every search read and case-folded every version of
every client (50,000 clients: 230-450 ms on a loaded machine). pg_trgm would serve it, but the
embedded server ``serve`` starts (pgserver) ships without it, so the same idea is built from
core PostgreSQL: ``search_trigrams(text)`` is the set of three-character pieces of the
lower-cased text, and a GIN index (core ``array_ops``) on it over each version's name and over
each client's reference finds the rows holding every piece of the search.

That is a pre-filter, never the test: every text containing the search, ignoring case, holds
every three-character piece of the lower-cased search (ILIKE compares lower-cased text in this
database's encoding), so the rows it finds include every match, and the query still applies
the ILIKE itself to the current version (``clients/repository.py``, ``list_current``): the
results are the same rows as before. Searches of fewer than three characters are not
pre-filtered. Nothing is stored beside the versions (R-AUD-2): these are indexes over them.

And ``clientsBeingWoundUp``'s page, the longest dead first (``ORDER BY died_on, id``): with no
index in that order every page joined and sorted every death (2,867 at 50,000 clients: 58 ms);
``ix_death_died_on`` walks the deaths in list order and stops at the page (0.7 ms).

Revision ID: 0051
Revises: 0049 (the integrator re-chains it)
"""

from ca_api.migrate import run_script

revision = "0051"
down_revision = "0050"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE FUNCTION search_trigrams(t text) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(lower(t), i, 3)), '{}')
    FROM generate_series(1, length(lower(t)) - 2) AS i
$$;
COMMENT ON FUNCTION search_trigrams(text) IS
  'The three-character pieces of lower(t): the clients search''s index (migration 0051).';
CREATE INDEX ix_client_version_name_trigrams ON client_version
  USING gin (search_trigrams(given_name || ' ' || family_name));
CREATE INDEX ix_client_reference_trigrams ON client USING gin (search_trigrams(reference));
CREATE INDEX ix_death_died_on ON death (died_on, id);
"""

DOWNGRADE = """
DROP INDEX ix_death_died_on;
DROP INDEX ix_client_reference_trigrams;
DROP INDEX ix_client_version_name_trigrams;
DROP FUNCTION search_trigrams(text);
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
