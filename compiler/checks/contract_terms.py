"""Contract terms are well formed (E0306) and name each commit and credit once (E0307).

Terms are checked wherever they are written: in contract templates and in scenario contracts.
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.checks.context import CheckContext
from compiler.checks.terms import TermsSite, contract_terms
from compiler.diagnostics import Diagnostic, error
from compiler.model.contracts import Commit, ContractTerms, Credit, Window

_OVERRIDE_KINDS = ("multiplier", "price", "tiers", "entitled")
_RELATIVE = ("starting_month", "months")
_ABSOLUTE = ("starting_at", "ending_before")


def _window(
    site: TermsSite, window: Window, path: tuple[str | int, ...], what: str
) -> Iterator[Diagnostic]:
    relative = [f for f in _RELATIVE if getattr(window, f) is not None]
    absolute = [f for f in _ABSOLUTE if getattr(window, f) is not None]
    if relative and absolute:
        yield error(
            "E0306",
            f"{what} mixes relative ({', '.join(relative)}) and absolute "
            f"({', '.join(absolute)}) times",
            site.key(*path, absolute[0]),
            "use months counted from the contract start, or dates, not both",
        )
    if (
        window.starting_at is not None
        and window.ending_before is not None
        and window.ending_before <= window.starting_at
    ):
        yield error(
            "E0306",
            f"{what} ends before it starts",
            site.value(*path, "ending_before"),
            "ending_before is exclusive and must be after starting_at",
        )


def _one_date(
    site: TermsSite, month: int | None, date: object, path: tuple[str | int, ...], what: str
) -> Iterator[Diagnostic]:
    if (month is None) == (date is None):
        yield error(
            "E0306",
            f"{what} needs exactly one of month, date",
            site.key(*path, "date") if month is not None else site.value(*path),
            "`month: N` counts whole months from the contract start; `date` is absolute",
        )


def override_shapes(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0306: an override has targets and exactly one kind (multiplier, price, tiers,
    entitled)."""
    for site in contract_terms(ctx.loaded):
        for i, override in enumerate(site.terms.overrides):
            path = ("overrides", i)
            what = f"override {i + 1} of {site.owner}"
            kinds = [k for k in _OVERRIDE_KINDS if getattr(override, k) is not None]
            if len(kinds) != 1:
                yield error(
                    "E0306",
                    f"{what} needs exactly one of multiplier, price, tiers, entitled"
                    + (f" (found {', '.join(kinds)})" if kinds else ""),
                    site.key(*path, kinds[1]) if len(kinds) > 1 else site.value(*path),
                    "write one override per change",
                )
            if not override.products and not override.tags:
                yield error(
                    "E0306",
                    f"{what} targets no product",
                    site.value(*path),
                    "give `products: [...]` and/or `tags: [...]`",
                )
            if override.tier_mode is not None and override.tiers is None:
                yield error(
                    "E0306",
                    f"{what}: tier_mode without tiers",
                    site.key(*path, "tier_mode"),
                    "remove tier_mode, or give tiers",
                )
            yield from _window(site, override, path, what)


def balance_terms(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0306: commits, credits and scheduled charges have coherent times."""
    for site in contract_terms(ctx.loaded):
        for i, commit in enumerate(site.terms.commits):
            what = f"commit '{commit.id}' of {site.owner}"
            yield from _window(site, commit.access, ("commits", i, "access"), f"access of {what}")
            for j, entry in enumerate(commit.invoice):
                yield from _one_date(
                    site,
                    entry.month,
                    entry.date,
                    ("commits", i, "invoice", j),
                    f"invoice entry {j + 1} of {what}",
                )
        for i, credit in enumerate(site.terms.credits):
            what = f"credit '{credit.id}' of {site.owner}"
            if credit.access is None and credit.recurring is None:
                yield error(
                    "E0306",
                    f"{what} has neither access nor recurring",
                    site.value("credits", i),
                    "give `access: {starting_month: 0, months: N}` or `recurring: monthly`",
                )
            if credit.access is not None:
                yield from _window(
                    site, credit.access, ("credits", i, "access"), f"access of {what}"
                )
        for i, charge in enumerate(site.terms.scheduled_charges):
            yield from _one_date(
                site,
                charge.month,
                charge.date,
                ("scheduled_charges", i),
                f"scheduled charge {i + 1} of {site.owner}",
            )


def _balances(terms: ContractTerms) -> list[tuple[str, int, Commit | Credit]]:
    """Every commit and credit of the terms, with its section and index."""
    commits: list[tuple[str, int, Commit | Credit]] = [
        ("commits", i, c) for i, c in enumerate(terms.commits)
    ]
    return commits + [("credits", i, c) for i, c in enumerate(terms.credits)]


def balance_ids(ctx: CheckContext) -> Iterator[Diagnostic]:
    """E0307: commit and credit IDs are unique within a contract (its template's included)."""
    for site in contract_terms(ctx.loaded):
        seen: dict[str, str] = {}
        if site.contract is not None and site.template is not None:
            for _section, _i, balance in _balances(site.template):
                seen.setdefault(balance.id, f"in template '{site.contract.template}'")
        for section, i, balance in _balances(site.terms):
            span = site.value(section, i, "id")
            if balance.id in seen:
                yield error(
                    "E0307",
                    f"{site.owner}: commit/credit ID '{balance.id}' is already used "
                    f"{seen[balance.id]}",
                    span,
                    "commit and credit IDs name balances on invoices; make them unique",
                )
            else:
                seen[balance.id] = f"at line {span.line}"
