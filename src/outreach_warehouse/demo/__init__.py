"""Generate realistic raw OLTP extracts, bad input included, inside DuckDB, deterministically.

Every random draw is a hash of (seed, salt, row key) mapped to [0, 1), and every id the md5 of (salt,
seed, key) shaped as a UUID: the same seed, size and as-of give the same rows whatever the parallelism
(DuckDB's `random()` is not reproducible across threads). Rows are built set-wise from `range()` and
`unnest(range(n))`; there is no Python row loop.

The generator models the whole timeline, base history and later days alike, and stamps every row with
the daily extract (01:00 UTC, the as-of's time of day) that first copies it. A load then writes the rows
of one extract window: the base load everything up to the as-of, increment day K the rows extracted in
(as-of + K-1 days, as-of + K days]. So increments are consistent with the base by construction. Like a real
provider's feed, a day carries new messages and their events, and late events for messages of any age (late
arrivals: opens, clicks, replies, unsubscribes, spam complaints, webhook replays of old events).

Output, in the connection's temp catalog (nothing is left in a database file): one relation
`<raw table>_out` per raw table with its columns and `_extracted_at` (a table, or, for the big ones, a
view building the text ids over a narrow `g_*` table of integer keys), and `CENSUS_CASES`, the
bad-input cases of models/docs/rules_sources_and_bad_input.md counted on the generated rows.

By entity, each module a tuple of statements in dependency order: `tenants_billing` (tenants, companies, plans,
subscriptions), `mailboxes_warmup` (domains, email accounts and their warm-up), `campaigns_messages` (leads,
campaigns, sequence steps, enrolments, messages), `events` (provider events, late arrivals, webhook retries),
`audit` (admin audit events). `generator` declares the session variables and the temp macros they share (the
draws, the ids, the extract a row lands in) and runs them; `bad_input` counts the bad-input cases (the census); `spec` says what
one extract is (LoadSpec).
"""

from outreach_warehouse.demo.bad_input import census
from outreach_warehouse.demo.generator import generate
from outreach_warehouse.demo.spec import DEFAULT_AS_OF, LoadSpec

__all__ = ["DEFAULT_AS_OF", "LoadSpec", "census", "generate"]
