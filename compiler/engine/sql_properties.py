"""Which event properties a SQL metric reads: the one definition the engine loads by and
`plan validate` (E0407) holds a query to.

The engine does not hand a SQL metric every property of every event: `events.properties` holds
only the names the query reads as `properties['name']`, a subscript by one string literal. So
that this is exactly what the query can read, every other way to reach the column is a problem
(`PropertyReads.problems`), which `plan validate` reports:

- the name `properties` anywhere but in `properties['name']` (qualified or not:
  `e.properties['name']`) or `* EXCLUDE (properties)`: `map_extract(properties, ...)`,
  `properties.name`, `properties['a' || 'b']`, `p` after `properties AS p`, `(e).properties`...
- a `*` anywhere but a SELECT's projection (`SELECT *`, `SELECT e.*`, without RENAME) or
  `COUNT(*)`; `COLUMNS(...)`; a positional column `#5`;
- a whole row named as a value (`to_json(e)`, `SELECT events FROM events`): a column named
  like one of the query's relations, or like DuckDB's `unnamed_subquery` names;
- a `*` projection in a subquery used as a value (`ARRAY(SELECT * ...)`, `IN (SELECT * ...)`,
  `(SELECT * ...)['key']`), where `* EXCLUDE` of the other columns gives the map itself;
- a comparison of whole rows that carry `properties` by a `*` (DISTINCT, GROUP BY ALL, ORDER
  BY ALL, a set operation other than UNION ALL, NATURAL JOIN): it reads every key, unnamed;
- when the query has a `*` projection (which passes `properties` on under its own name),
  everything that renames a column by position: column lists (`AS t(a, b)`,
  `WITH t(a, b) AS`), a `*` in a later branch of a set operation (not BY NAME), a `*` over
  several relations (DuckDB renames the second `properties` to `properties_1`), two `*` in one
  SELECT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

DIALECT = "duckdb"
COLUMN = "properties"
_UNNAMED = re.compile(r"^unnamed_subquery\d*$")


@dataclass(frozen=True)
class PropertyReads:
    """The property names a query reads as `properties['name']`, and each node that reaches
    the properties another way, with what it does (after "SQL of metric '<id>' ")."""

    names: frozenset[str]
    problems: tuple[tuple[exp.Expr, str], ...]


def _named(identifier: object) -> bool:
    return isinstance(identifier, exp.Identifier) and str(identifier.this).lower() == COLUMN


def _literal_key(column: exp.Column) -> str | None:
    """The key of `properties['key']` when `column` is the subscripted column of one."""
    bracket = column.parent
    if not (isinstance(bracket, exp.Bracket) and bracket.this is column):
        return None
    keys = bracket.expressions
    if len(keys) == 1 and isinstance(keys[0], exp.Literal) and keys[0].is_string:
        return str(keys[0].this)
    return None


def _is_projection_star(star: exp.Expr) -> bool:
    node = star.parent if isinstance(star.parent, exp.Column) else star
    return isinstance(node.parent, exp.Select) and node.arg_key == "expressions"


def _projection_stars(select: exp.Select) -> list[exp.Expr]:
    return [
        s
        for s in select.expressions
        if isinstance(s, exp.Star) or (isinstance(s, exp.Column) and isinstance(s.this, exp.Star))
    ]


def _relation_names(tree: exp.Expr) -> set[str]:
    """Names a column could use to mean a whole row of a relation that may hold events."""
    names: set[str] = set()
    for node in tree.find_all(exp.Table, exp.Subquery, exp.Lateral, exp.CTE):
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier):
            names.add(str(node.this.this).lower())
        if node.alias and not (isinstance(node, exp.Table) and isinstance(node.this, exp.Func)):
            names.add(str(node.alias).lower())
    return names


def _identifier_problem(identifier: exp.Identifier) -> str | None:
    parent = identifier.parent
    if isinstance(parent, exp.Column) and parent.this is identifier:
        if _literal_key(parent) is not None:
            return None
        if isinstance(parent.parent, exp.Star) and parent.arg_key == "except_":
            return None  # * EXCLUDE (properties): leaves the column out
        return "uses the properties column other than as properties['name']"
    return "uses the name properties other than as the column in properties['name']"


def _star_problems(tree: exp.Expr) -> list[tuple[exp.Expr, str]]:
    found: list[tuple[exp.Expr, str]] = []
    for node in tree.find_all(exp.Star, exp.Columns, exp.PositionalColumn):
        if isinstance(node, exp.Columns):
            found.append((node, "selects COLUMNS(...), which can read the whole properties map"))
        elif isinstance(node, exp.PositionalColumn):
            found.append((node, "names a column by position (#n)"))
        elif isinstance(node.parent, exp.Count) or isinstance(node.parent, exp.Columns):
            continue  # COUNT(*) counts rows; COLUMNS(*) is reported above
        elif not _is_projection_star(node):
            found.append((node, "uses * inside an expression"))
        elif node.args.get("rename"):
            found.append((node, "renames columns with * RENAME"))
    return found


def _renaming_problems(tree: exp.Expr) -> list[tuple[exp.Expr, str]]:
    """With a `*` projection, `properties` travels under its own name; these rename it."""
    selects = [s for s in tree.find_all(exp.Select) if _projection_stars(s)]
    if not selects:
        return []
    found: list[tuple[exp.Expr, str]] = []
    for alias in tree.find_all(exp.TableAlias):
        relation = alias.parent
        renamable = not (isinstance(relation, exp.Table) and isinstance(relation.this, exp.Func))
        if alias.columns and renamable and not isinstance(relation, (exp.Unnest, exp.Values)):
            found.append((alias, "renames columns by position with a column list, next to a *"))
    for select in selects:
        stars = _projection_stars(select)
        if not _used_as_relation(select):
            found.append((stars[0], "selects * in a subquery used as a value, not as a table"))
        if len(stars) > 1:
            found.append((stars[1], "selects * twice in one SELECT"))
        unqualified = [s for s in stars if isinstance(s, exp.Star)]
        if unqualified and select.args.get("joins"):
            found.append((unqualified[0], "selects * over several relations"))
        child: exp.Expr = select
        for ancestor in _ancestors(select):
            if isinstance(ancestor, exp.SetOperation) and not ancestor.args.get("by_name"):
                if child is ancestor.expression:
                    found.append((stars[0], "selects * in a later branch of a set operation"))
                    break
            if isinstance(ancestor, (exp.Select, exp.CTE)):
                break
            child = ancestor
    return found


def _carries_properties(star: exp.Expr) -> bool:
    """Whether a projection `*` passes `properties` on (it does unless EXCLUDE names it)."""
    node = star.this if isinstance(star, exp.Column) else star
    excluded = node.args.get("except_") or []
    return not any(isinstance(c, exp.Column) and _named(c.this) for c in excluded)


def _whole_map_problems(tree: exp.Expr) -> list[tuple[exp.Expr, str]]:
    """Where rows that carry `properties` by a `*` are compared whole (DISTINCT, GROUP BY
    ALL, ORDER BY ALL, a set operation other than UNION ALL, NATURAL JOIN), the comparison
    reads every key of every map, none of them named: the engine's map holds the named ones
    only, so such a query would count with maps it cannot see."""
    found: list[tuple[exp.Expr, str]] = []
    carrying = [
        (select, star)
        for select in tree.find_all(exp.Select)
        for star in _projection_stars(select)
        if _carries_properties(star)
    ]
    for select, star in carrying:
        group, order = select.args.get("group"), select.args.get("order")
        if select.args.get("distinct"):
            found.append((star, "compares whole properties maps: DISTINCT over a *"))
        if group is not None and group.args.get("all"):
            found.append((star, "compares whole properties maps: GROUP BY ALL over a *"))
        if order is not None and any(
            isinstance(o.this, exp.Var) and str(o.this.this).upper() == "ALL"
            for o in order.expressions
        ):
            found.append((star, "compares whole properties maps: ORDER BY ALL over a *"))
        for ancestor in _ancestors(select):
            if isinstance(ancestor, (exp.Select, exp.CTE)):
                break
            if isinstance(ancestor, exp.SetOperation) and not (
                isinstance(ancestor, exp.Union) and ancestor.args.get("distinct") is False
            ):
                found.append((star, "compares whole properties maps: a set operation over a *"))
                break
    if carrying:
        for join in tree.find_all(exp.Join):
            if str(join.args.get("method") or "").upper() == "NATURAL":
                found.append((join, "compares whole properties maps: NATURAL JOIN next to a *"))
    return found


# Where a SELECT's rows are a relation: the columns of its * keep their names there.
_RELATION_PLACES = (exp.From, exp.Join, exp.Lateral, exp.CTE, exp.Exists)


def _used_as_relation(select: exp.Select) -> bool:
    """Whether a SELECT is the query itself, or a relation in it (FROM, JOIN, LATERAL, a CTE;
    EXISTS, which reads no column), through set operations and parentheses. Elsewhere its row is
    a value (`ARRAY(SELECT * ...)`, `x IN (SELECT * ...)`, `(SELECT * ...)['key']`): with
    `* EXCLUDE` of the other columns, that value is the properties map under no name."""
    node: exp.Expr = select
    while isinstance(node.parent, (exp.SetOperation, exp.Subquery)):
        node = node.parent
    return node.parent is None or isinstance(node.parent, _RELATION_PLACES)


def _ancestors(node: exp.Expr) -> list[exp.Expr]:
    found = []
    parent = node.parent
    while parent is not None:
        found.append(parent)
        parent = parent.parent
    return found


def property_reads(tree: exp.Expr) -> PropertyReads:
    """The properties a parsed query reads, and how else it reaches them (see module doc)."""
    names: set[str] = set()
    problems: list[tuple[exp.Expr, str]] = []
    relations = _relation_names(tree)
    for identifier in tree.find_all(exp.Identifier):
        if not _named(identifier):
            continue
        problem = _identifier_problem(identifier)
        if problem is not None:
            problems.append((identifier, problem))
        elif isinstance(identifier.parent, exp.Column):
            key = _literal_key(identifier.parent)
            if key is not None:
                names.add(key)
    for column in tree.find_all(exp.Column):
        name = column.name.lower()
        if not isinstance(column.this, exp.Star) and (name in relations or _UNNAMED.match(name)):
            problems.append((column, f"reads a whole row as {column.name}"))
    problems.extend(_star_problems(tree))
    problems.extend(_renaming_problems(tree))
    problems.extend(_whole_map_problems(tree))
    return PropertyReads(frozenset(names), tuple(problems))


def referenced_properties(sql: str) -> set[str]:
    """Property names a query reads as `properties['name']` (the engine loads these)."""
    try:
        tree = sqlglot.parse_one(sql, read=DIALECT)
    except sqlglot.errors.ParseError:
        return set()
    return set(property_reads(tree).names)
