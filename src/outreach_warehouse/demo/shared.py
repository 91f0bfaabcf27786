"""What the statements of every entity share: the temp macros of the deterministic draws, ids and extract stamps,
and the tail of a versioned raw table's statement."""

from __future__ import annotations

# Temp macros, so that nothing is left behind in a target database file.
MACROS: tuple[str, ...] = (
    # a deterministic draw in [0, 1) for a salt and a row key. DuckDB's multi-argument hash() combines
    # its arguments' hashes weakly (draws of two salts for one key correlate at about -0.6), so the
    # combination is hashed again
    "create or replace temp macro rnd(salt, k) as hash(hash(getvariable('seed'), salt, k)) / 18446744073709551616.0",
    # a deterministic integer in [0, n)
    "create or replace temp macro pick(salt, k, n) as cast(floor(rnd(salt, k) * n) as bigint)",
    # a UUID-shaped id: the md5 of salt, seed and key
    """create or replace temp macro uid(salt, k) as
        cast(cast(md5_number(salt || ':' || getvariable('seed') || ':' || k) as uuid) as varchar)""",
    "create or replace temp macro seconds(x) as to_seconds(cast(floor(x) as bigint))",
    "create or replace temp macro days(x) as to_seconds(cast(floor(x * 86400) as bigint))",
    # the daily extract (at the as-of's time of day) at or after ts; the first extract copies older rows
    """create or replace temp macro extract_after(ts) as greatest(
        getvariable('history_start'),
        getvariable('as_of')
            - to_seconds(86400 * cast(floor((epoch(getvariable('as_of')) - epoch(ts)) / 86400) as bigint))
    )""",
    # a vocabulary value as a careless client writes it: upper case, capitalised, padded
    """create or replace temp macro messy(v, k) as case hash(hash(getvariable('seed'), 'messy_form', k)) % 4
        when 0 then upper(v)
        when 1 then '  ' || upper(v[1]) || v[2:]
        when 2 then upper(v[1]) || v[2:] || ' '
        else ' ' || upper(v) || ' '
    end""",
    "create or replace temp macro maybe_messy(v, salt, k, share) as case when rnd(salt, k) < share then messy(v, k) else v end",
    "create or replace temp macro before_deletion(ts, deleted) as (deleted is null or ts <= deleted)",
)

# The end of a versioned raw table's statement, over its CTE `versions` (one row per version `v` of an entity, with
# `id`, `updated` and the tenant's `deleted`): the extract stamp, and the rows an extract copies. An extract copies
# a row's state once, so a version superseded within one extract is never seen, and a deleted tenant's rows change
# no more after its deletion.
LATEST_VERSION_PER_EXTRACT = """    extract_after(updated) as _extracted_at
from versions
where before_deletion(updated, deleted)
qualify row_number() over (partition by id, extract_after(updated) order by updated desc, v desc) = 1
"""
