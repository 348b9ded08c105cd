"""Attribution in SQL: each parsed event to its first accounting bucket, or to a contract period.

Order (SPEC 5.3): duplicate (first in input order wins), unknown_customer (neither a customer ID
nor an ingest alias), outside_contract (no contract of the customer covers its timestamp),
outside_period (in a contract, in no invoiced period). What passes is the view `attributed`:
`seq, transaction_id, customer_id, contract_id, period_start, event_type, timestamp, p_*`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from compiler.engine.contracts import FAR_FUTURE, ContractInstance
from compiler.engine.events import lines
from compiler.engine.ingest import FILE_STRIDE, prop_column
from compiler.engine.invoice import Conflict
from compiler.engine.store import execute_long, insert_rows, naive_utc

EXAMPLES = 3
MAX_CONFLICTS = 100
BUCKETS = ("duplicate", "unknown_customer", "outside_contract", "outside_period")


@dataclass
class Attribution:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    examples: dict[str, list[str]] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)


def _load_parties(
    connection: duckdb.DuckDBPyConnection,
    aliases: Mapping[str, str],
    contracts: Sequence[ContractInstance],
) -> None:
    connection.execute("CREATE TEMP TABLE aliases (alias VARCHAR, customer_id VARCHAR)")
    connection.execute(
        "CREATE TEMP TABLE contracts (customer_id VARCHAR, contract_id VARCHAR, "
        "starting_at TIMESTAMP, ending_before TIMESTAMP)"
    )
    connection.execute(
        "CREATE TEMP TABLE periods (contract_id VARCHAR, period_start TIMESTAMP, "
        "period_end TIMESTAMP)"
    )
    insert_rows(connection, "aliases", ("VARCHAR", "VARCHAR"), sorted(aliases.items()))
    insert_rows(
        connection,
        "contracts",
        ("VARCHAR", "VARCHAR", "TIMESTAMP", "TIMESTAMP"),
        [
            (c.customer_id, c.contract_id, naive_utc(c.start), naive_utc(c.end or FAR_FUTURE))
            for c in contracts
        ],
    )
    insert_rows(
        connection,
        "periods",
        ("VARCHAR", "TIMESTAMP", "TIMESTAMP"),
        [
            (c.contract_id, naive_utc(p.start), naive_utc(p.end))
            for c in contracts
            for p in c.periods
        ],
    )


def attribute(
    connection: duckdb.DuckDBPyConnection,
    names: Sequence[str],
    aliases: Mapping[str, str],
    contracts: Sequence[ContractInstance],
    files: Sequence[tuple[Path, str]],
) -> Attribution:
    """Classify the view `parsed` and create the view `attributed` of what is attributed."""
    _load_parties(connection, aliases, contracts)
    connection.execute(
        "CREATE TEMP TABLE firsts AS SELECT transaction_id, min(seq) AS seq, count(*) AS copies "
        "FROM parsed GROUP BY transaction_id"
    )
    props = "".join(f", p.{prop_column(i)}" for i in range(len(names)))
    execute_long(
        connection,
        "attributing events",
        f"""
        CREATE TEMP TABLE classified AS
        SELECT p.seq, p.transaction_id, a.customer_id, c.contract_id, pe.period_start,
               p.event_type, p.timestamp{props},
               CASE WHEN f.seq IS NULL THEN 'duplicate'
                    WHEN a.customer_id IS NULL THEN 'unknown_customer'
                    WHEN c.contract_id IS NULL THEN 'outside_contract'
                    WHEN pe.period_start IS NULL THEN 'outside_period' END AS bucket
        FROM parsed p
        LEFT JOIN firsts f ON f.seq = p.seq
        LEFT JOIN aliases a ON a.alias = p.customer_id
        LEFT JOIN contracts c ON c.customer_id = a.customer_id
             AND p.timestamp >= c.starting_at AND p.timestamp < c.ending_before
        LEFT JOIN periods pe ON pe.contract_id = c.contract_id
             AND p.timestamp >= pe.period_start AND p.timestamp < pe.period_end
    """,
    )
    result = Attribution()
    rows = connection.execute(f"""
        SELECT bucket, count(*), list(transaction_id ORDER BY seq)[1:{EXAMPLES}]
        FROM classified WHERE bucket IS NOT NULL GROUP BY bucket
    """).fetchall()
    for bucket, count, examples in rows:
        result.counts[bucket] = int(count)
        result.examples[bucket] = list(examples)
    # a view, not a copy: the queries that follow scan the attributed rows a few times, which
    # costs less than writing them out again (nothing reads them in `seq` order but by sorting)
    columns = "".join(f", {prop_column(i)}" for i in range(len(names)))
    connection.execute(f"""
        CREATE TEMP VIEW attributed AS
        SELECT seq, transaction_id, customer_id, contract_id, period_start, event_type,
               timestamp{columns}
        FROM classified WHERE bucket IS NULL
    """)
    result.conflicts = _conflicts(connection, files)
    return result


def _conflicts(
    connection: duckdb.DuckDBPyConnection, files: Sequence[tuple[Path, str]]
) -> list[Conflict]:
    # only transaction IDs read more than once can conflict: the join keeps just those
    rows = connection.execute(f"""
        WITH repeated AS (
            SELECT p.transaction_id, p.seq, p.content, f.seq AS first_seq
            FROM parsed p JOIN firsts f USING (transaction_id) WHERE f.copies > 1)
        SELECT d.transaction_id, d.first_seq, d.seq
        FROM repeated d JOIN repeated k ON k.seq = d.first_seq
        WHERE d.seq <> d.first_seq AND d.content <> k.content
        ORDER BY d.seq LIMIT {MAX_CONFLICTS}
    """).fetchall()
    if not rows:
        return []
    where = _Positions(connection, files)
    return [
        Conflict(transaction_id=t, kept=where.of(kept), duplicate=where.of(dup))
        for t, kept, dup in rows
    ]


class _Positions:
    """`file:line` of a seq: slow files number lines already; fast ones count event lines."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, files: Sequence[tuple[Path, str]]):
        self.files = files
        self.slow = {
            row[0]
            for row in connection.execute("SELECT file_index FROM file_index WHERE slow").fetchall()
        }
        self.slow |= set(range(len(files))) - {
            row[0] for row in connection.execute("SELECT file_index FROM file_index").fetchall()
        }
        self.numbers: dict[int, list[int]] = {}

    def of(self, seq: int) -> str:
        index, position = divmod(seq, FILE_STRIDE)
        path, shown = self.files[index]
        if index in self.slow:
            return f"{shown}:{position}"
        if index not in self.numbers:
            self.numbers[index] = [number for number, _ in lines(path)]
        numbers = self.numbers[index]
        return f"{shown}:{numbers[position - 1] if 0 < position <= len(numbers) else position}"
