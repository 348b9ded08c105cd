"""Attribution in SQL: each parsed event to its first accounting bucket, or to a contract period.

Order (SPEC 5.3): duplicate (first in input order wins), unknown_customer (neither a customer ID
nor an ingest alias), outside_contract (no contract of the customer covers its timestamp),
outside_period (in a contract, in no invoiced period). The view `classified` holds every parsed
event with its `bucket` (NULL when attributed); what passes is the view `attributed`:
`seq, transaction_id, customer_id, contract_id, period_start, slice_start, event_type,
timestamp, p_*`.

Both are views, not tables: the few queries that read them (metering, accounting) each probe
small tables (repeated IDs, aliases, contracts, slices) on their way, which costs less than
writing every event out again; at 10M events such a copy no longer fits a memory limit and
spills to disk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from compiler.engine.contracts import FAR_FUTURE, ContractInstance
from compiler.engine.events import FILE_STRIDE, lines, number_column, prop_column
from compiler.engine.invoice import Conflict
from compiler.engine.store import execute_long, insert_rows

EXAMPLES = 3
MAX_CONFLICTS = 100
BUCKETS = ("duplicate", "unknown_customer", "outside_contract", "outside_period")
ID_HASH = "hash(transaction_id)"  # SQL; a test makes every ID collide

# (contract, period start, slice start, slice end): each period cut at every segment boundary
# of every product, so that a slice lies inside one segment of each (see replay._slices)
SliceRow = tuple[str, datetime, datetime, datetime]


@dataclass
class Attribution:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    # each bucket's first few events, by `seq` (their transaction IDs: transaction_ids)
    example_seqs: dict[str, list[int]] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)


def _load_parties(
    connection: duckdb.DuckDBPyConnection,
    aliases: Mapping[str, str],
    contracts: Sequence[ContractInstance],
    slices: Sequence[SliceRow],
) -> None:
    connection.execute("CREATE TEMP TABLE aliases (alias VARCHAR, customer_id VARCHAR)")
    connection.execute(
        "CREATE TEMP TABLE contracts (customer_id VARCHAR, contract_id VARCHAR, "
        "starting_at TIMESTAMP, ending_before TIMESTAMP)"
    )
    connection.execute(
        "CREATE TEMP TABLE slices (contract_id VARCHAR, period_start TIMESTAMP, "
        "slice_start TIMESTAMP, slice_end TIMESTAMP)"
    )
    insert_rows(connection, "aliases", ("VARCHAR", "VARCHAR"), sorted(aliases.items()))
    insert_rows(
        connection,
        "contracts",
        ("VARCHAR", "VARCHAR", "TIMESTAMP", "TIMESTAMP"),
        [(c.customer_id, c.contract_id, c.start, c.end or FAR_FUTURE) for c in contracts],
    )
    insert_rows(
        connection,
        "slices",
        ("VARCHAR", "TIMESTAMP", "TIMESTAMP", "TIMESTAMP"),
        slices,
    )


def attribute(
    connection: duckdb.DuckDBPyConnection,
    names: Sequence[str],
    aliases: Mapping[str, str],
    contracts: Sequence[ContractInstance],
    slices: Sequence[SliceRow],
    files: Sequence[tuple[Path, str]],
    numeric: Sequence[int],
) -> list[Conflict]:
    """Create the views `classified` and `attributed` over the view `parsed` (with the number
    columns of `numeric`, see ingest); the conflicting
    duplicates found on the way. Bucket counts are `bucket_counts`'s, once the accounting groups
    (metering.accounting_groups_query) are built from `classified`."""
    _load_parties(connection, aliases, contracts, slices)
    # Duplicates: the transaction IDs read more than once, with the seq of their first reading.
    # Grouping every event by a 64-bit hash of its ID keeps that pass small (a number, not the
    # text); only the events whose ID's hash repeats (`repeated_rows`, kept for the conflicts)
    # are then grouped by their text, so a collision of two different IDs costs a little work
    # and never an event.
    execute_long(
        connection,
        "finding duplicates",
        f"""
        CREATE TEMP TABLE repeated_rows AS
        WITH repeated_hashes AS (
            SELECT {ID_HASH} AS h FROM parsed GROUP BY h HAVING count(*) > 1)
        SELECT transaction_id, seq
        FROM parsed WHERE {ID_HASH} IN (SELECT h FROM repeated_hashes)
        """,
    )
    connection.execute("""
        CREATE TEMP TABLE repeats AS
        SELECT transaction_id, min(seq) AS seq
        FROM repeated_rows GROUP BY transaction_id HAVING count(*) > 1
    """)
    props = "".join(f", p.{prop_column(i)}" for i in range(len(names)))
    props += "".join(f", p.{number_column(i)}" for i in numeric)
    connection.execute(f"""
        CREATE TEMP VIEW classified AS
        SELECT p.seq, p.transaction_id, a.customer_id, c.contract_id, s.period_start,
               s.slice_start, p.event_type, p.timestamp{props},
               CASE WHEN r.seq IS NOT NULL AND r.seq <> p.seq THEN 'duplicate'
                    WHEN a.customer_id IS NULL THEN 'unknown_customer'
                    WHEN c.contract_id IS NULL THEN 'outside_contract'
                    WHEN s.period_start IS NULL THEN 'outside_period' END AS bucket
        FROM parsed p
        LEFT JOIN repeats r ON r.transaction_id = p.transaction_id
        LEFT JOIN aliases a ON a.alias = p.customer_id
        LEFT JOIN contracts c ON c.customer_id = a.customer_id
             AND p.timestamp >= c.starting_at AND p.timestamp < c.ending_before
        LEFT JOIN slices s ON s.contract_id = c.contract_id
             AND p.timestamp >= s.slice_start AND p.timestamp < s.slice_end
    """)
    columns = "".join(f", {prop_column(i)}" for i in range(len(names)))
    columns += "".join(f", {number_column(i)}" for i in numeric)
    connection.execute(f"""
        CREATE TEMP VIEW attributed AS
        SELECT seq, transaction_id, customer_id, contract_id, period_start, slice_start,
               event_type, timestamp{columns}
        FROM classified WHERE bucket IS NULL
    """)
    return _conflicts(connection, files)


def bucket_counts(connection: duckdb.DuckDBPyConnection) -> Attribution:
    """The events of each attribution bucket, and the `seq`s of the first few of each, from
    table `accounting_groups` (metering.accounting_groups_query)."""
    result = Attribution()
    rows = connection.execute(f"""
        SELECT attribution, sum(events), arg_min(example_seqs, first_seq, {EXAMPLES})
        FROM accounting_groups WHERE attribution IS NOT NULL GROUP BY attribution
    """).fetchall()
    for bucket, count, seqs in rows:
        result.counts[bucket] = int(count)
        result.example_seqs[bucket] = first_seqs(seqs)
    return result


def first_seqs(lists: Iterable[Sequence[int]]) -> list[int]:
    """The first `EXAMPLES` events in input order, from the example `seq` lists of the
    accounting groups that start first."""
    return sorted(seq for seqs in lists for seq in seqs)[:EXAMPLES]


def _conflicts(
    connection: duckdb.DuckDBPyConnection, files: Sequence[tuple[Path, str]]
) -> list[Conflict]:
    # only transaction IDs read more than once can conflict: the join keeps just those, from
    # the events whose ID's hash repeats (rather than from every event again)
    rows = connection.execute(f"""
        WITH repeated AS (
            SELECT p.transaction_id, p.seq, r.seq AS first_seq
            FROM repeated_rows p JOIN repeats r USING (transaction_id)),
        keyed AS (
            SELECT d.transaction_id, d.seq, d.first_seq, c.content
            FROM contents c JOIN repeated d USING (seq))
        SELECT d.transaction_id, d.first_seq, d.seq
        FROM keyed d JOIN keyed k ON k.seq = d.first_seq
        WHERE d.seq <> d.first_seq AND d.content <> k.content
        ORDER BY d.seq LIMIT {MAX_CONFLICTS}
    """).fetchall()
    if not rows:
        return []
    where = _Positions(connection, files, [seq for _, kept, dup in rows for seq in (kept, dup)])
    return [
        Conflict(transaction_id=t, kept=where.of(kept), duplicate=where.of(dup))
        for t, kept, dup in rows
    ]


class _Positions:
    """`file:line` of the seqs asked for. The Python reader's and Parquet's seqs number lines or
    rows already; DuckDB's count a file's non-blank lines, whose numbers are found in one scan
    of the file that keeps only those asked for (a file of 10M lines is not held as a list)."""

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        files: Sequence[tuple[Path, str]],
        seqs: Iterable[int],
    ):
        self.files = files
        read_by_duckdb = {
            row[0]
            for row in connection.execute(
                "SELECT file_index FROM file_index WHERE NOT slow"
            ).fetchall()
        }
        wanted: dict[int, set[int]] = defaultdict(set)
        for seq in seqs:
            index, position = divmod(seq, FILE_STRIDE)
            if index in read_by_duckdb:
                wanted[index].add(position)
        self.numbers: dict[tuple[int, int], int] = {}
        for index, positions in sorted(wanted.items()):
            for position, (number, _) in enumerate(lines(files[index][0]), start=1):
                if position in positions:
                    self.numbers[index, position] = number
                    positions.discard(position)
                    if not positions:
                        break

    def of(self, seq: int) -> str:
        index, position = divmod(seq, FILE_STRIDE)
        return f"{self.files[index][1]}:{self.numbers.get((index, position), position)}"
