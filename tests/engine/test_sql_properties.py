"""Which properties a SQL metric reads (SPEC 2.2): the engine loads exactly the names a query
reads as `properties['name']`, and every other way to the column is a problem (E0407), so that
no property a query reads is missing from its `events.properties` (it would count as zero)."""

from __future__ import annotations

import pytest
import sqlglot

from compiler.engine.sql_properties import property_reads, referenced_properties


def _reads(sql: str) -> tuple[set[str], list[str]]:
    found = property_reads(sqlglot.parse_one(sql, read="duckdb"))
    return set(found.names), [problem for _node, problem in found.problems]


@pytest.mark.parametrize(
    ("sql", "names"),
    [
        ("SELECT SUM(CAST(properties['gb'] AS DECIMAL(38, 9))) AS value FROM events", {"gb"}),
        ("SELECT e.properties['gb'] AS value FROM events e", {"gb"}),
        ("SELECT \"Properties\"['gb'] AS value FROM events", {"gb"}),
        # a * passes properties on under its own name, still read by literal subscripts
        (
            "WITH t AS (SELECT * FROM events WHERE event_type = 'x') "
            "SELECT t.properties['gb'] AS value, COUNT(*) AS n FROM t, range(3) AS g(r)",
            {"gb"},
        ),
        ("SELECT * EXCLUDE (properties) FROM events", set()),
        ("SELECT a AS value FROM (SELECT 1 AS a UNION ALL BY NAME SELECT * FROM events)", set()),
        # a * where its rows are a relation: a join, LATERAL, a set operation in FROM; EXISTS
        (
            "SELECT COUNT(*) AS value FROM events e JOIN (SELECT * FROM events) s "
            "USING (transaction_id)",
            set(),
        ),
        ("SELECT COUNT(*) AS value FROM events e, LATERAL (SELECT * FROM events) l", set()),
        (
            "SELECT COUNT(*) AS value "
            "FROM (SELECT * FROM events UNION ALL BY NAME SELECT * FROM events)",
            set(),
        ),
        ("SELECT COUNT(*) AS value FROM events WHERE EXISTS (SELECT * FROM events)", set()),
    ],
)
def test_literal_subscripts_are_what_is_read(sql: str, names: set[str]) -> None:
    assert _reads(sql) == (names, [])
    assert referenced_properties(sql) == names


COLUMNS = "selects COLUMNS(...), which can read the whole properties map"
OTHERS = "EXCLUDE (transaction_id, customer_id, event_type, timestamp)"
AS_VALUE = "selects * in a subquery used as a value, not as a table"
OTHER = "uses the properties column other than as properties['name']"
NAME = "uses the name properties other than as the column in properties['name']"


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("SELECT map_extract(properties, 'gb')[1] AS value FROM events", OTHER),
        ("SELECT element_at(properties, 'gb')[1] AS value FROM events", OTHER),
        ("SELECT properties['g' || 'b'] AS value FROM events", OTHER),
        ("SELECT properties[1] AS value FROM events", OTHER),
        ("SELECT properties->>'gb' AS value FROM events", OTHER),
        ("SELECT map_values(properties)[1] AS value FROM events", OTHER),
        ("SELECT cardinality(map_keys(properties)) AS value FROM events", OTHER),
        ("WITH c AS (SELECT properties AS p FROM events) SELECT p['gb'] AS value FROM c", OTHER),
        ("SELECT properties.gb AS value FROM events", NAME),
        ("SELECT (e).properties['gb'] AS value FROM events e", NAME),
        ("SELECT list_transform([1], properties -> properties) AS value", NAME),
        ("SELECT to_json(e)->>'$.properties.gb' AS value FROM events e", "reads a whole row as e"),
        ("SELECT events.events AS value FROM events", "reads a whole row as events"),
        (
            "SELECT to_json(unnamed_subquery) AS value FROM (SELECT * FROM events)",
            "reads a whole row as unnamed_subquery",
        ),
        ("SELECT COLUMNS(*) FROM events", COLUMNS),
        ("SELECT *COLUMNS('prop.*') FROM events", COLUMNS),
        ("SELECT #5 AS value FROM events", "names a column by position (#n)"),
        ("SELECT to_json(struct_pack(*)) AS value FROM events", "uses * inside an expression"),
        (
            "SELECT q.p['gb'] AS value FROM (SELECT * RENAME (x AS p) FROM events) q",
            "renames columns with * RENAME",
        ),
        (
            "SELECT p['gb'] AS value FROM (SELECT * FROM events) t(a, b, c, d, p)",
            "renames columns by position with a column list, next to a *",
        ),
        (
            "WITH t(a, b, c, d, p) AS (SELECT * FROM events) SELECT p['gb'] AS value FROM t",
            "renames columns by position with a column list, next to a *",
        ),
        (
            "SELECT p['gb'] AS value FROM (SELECT 1 a, 2 b, 3 c, 4 d, MAP {} p "
            "UNION ALL SELECT * FROM events)",
            "selects * in a later branch of a set operation",
        ),
        (
            "SELECT properties_1['gb'] AS value FROM (SELECT * FROM events a, events b)",
            "selects * over several relations",
        ),
        (
            "SELECT properties_1['gb'] AS value FROM (SELECT a.*, b.* FROM events a, events b)",
            "selects * twice in one SELECT",
        ),
        # found in review: with the other columns excluded, the row of such a subquery is the
        # properties map itself, under no name
        (
            "SELECT COALESCE(SUM(CAST(m['gb'] AS DECIMAL(38, 9))), 0) AS value "
            f"FROM unnest(ARRAY(SELECT * {OTHERS} FROM events)) AS u(m)",
            AS_VALUE,
        ),
        (f"SELECT (SELECT * {OTHERS} FROM events LIMIT 1)['gb'] AS value", AS_VALUE),
        (f"SELECT cardinality((SELECT * {OTHERS} FROM events LIMIT 1)) AS value", AS_VALUE),
        (
            f"SELECT 1 AS value FROM events WHERE MAP {{}} IN (SELECT * {OTHERS} FROM events)",
            AS_VALUE,
        ),
        # found in a second review: whole rows that carry the map, compared without a key named
        (
            f"SELECT COUNT(*) AS value FROM (SELECT DISTINCT * {OTHERS} FROM events)",
            "compares whole properties maps: DISTINCT over a *",
        ),
        (
            f"SELECT COUNT(*) AS value FROM (SELECT * {OTHERS} FROM events GROUP BY ALL)",
            "compares whole properties maps: GROUP BY ALL over a *",
        ),
        (
            f"SELECT COUNT(*) AS value FROM (SELECT * {OTHERS} FROM events ORDER BY ALL LIMIT 1)",
            "compares whole properties maps: ORDER BY ALL over a *",
        ),
        (
            f"SELECT COUNT(*) AS value FROM (SELECT * {OTHERS} FROM events EXCEPT SELECT MAP {{}})",
            "compares whole properties maps: a set operation over a *",
        ),
        (
            f"SELECT COUNT(*) AS value FROM (SELECT * {OTHERS} FROM events "
            f"UNION BY NAME SELECT * {OTHERS} FROM events)",
            "compares whole properties maps: a set operation over a *",
        ),
        (
            f"SELECT COUNT(*) AS value FROM (SELECT * {OTHERS} FROM events) a "
            f"NATURAL JOIN (SELECT * {OTHERS} FROM events) b",
            "compares whole properties maps: NATURAL JOIN next to a *",
        ),
    ],
)
def test_every_other_way_to_the_properties_is_a_problem(sql: str, problem: str) -> None:
    names, problems = _reads(sql)
    assert problem in problems
    assert "gb" not in names  # what the engine would load: the query reads gb all the same
