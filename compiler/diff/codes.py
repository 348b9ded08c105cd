"""Every change code of `plan diff`, with its severity and one-line meaning (docs/diff.md).

Errors are breaking changes: they change what an already issued invoice would say, or what a
released metric measures, and fail the command (exit 1). Warnings change money or terms going
forward and deserve a reviewer's eye; info is bookkeeping.
"""

from __future__ import annotations

from compiler.diagnostics import Severity

E, W, N = Severity.ERROR, Severity.WARNING, Severity.INFO  # N: a note (info)

CHANGE_CODES: dict[str, tuple[Severity, str]] = {
    "D0001": (E, "package does not validate in the working tree"),
    "D0002": (W, "package does not validate at the base revision"),
    "D0003": (N, "package added"),
    "D0004": (W, "package removed"),
    "D0101": (E, "metric changed what it measures"),
    "D0102": (E, "metric removed"),
    "D0103": (W, "metric group keys changed"),
    "D0104": (N, "metric added"),
    "D0105": (N, "metric name or description changed"),
    "D0201": (E, "product type changed"),
    "D0202": (W, "product points at another metric"),
    "D0203": (W, "product pricing or presentation group keys changed"),
    "D0204": (W, "product quantity conversion or rounding changed"),
    "D0205": (W, "product tags or composite selection changed"),
    "D0206": (N, "product added"),
    "D0207": (W, "product removed"),
    "D0208": (N, "product name or description changed"),
    "D0301": (E, "rate card currency changed"),
    "D0302": (E, "released rate changed in place"),
    "D0303": (E, "released rate removed"),
    "D0304": (N, "new rate starting after --as-of"),
    "D0305": (W, "new rate already in effect at --as-of"),
    "D0306": (W, "released rate ends (or its end moved) after --as-of"),
    "D0307": (W, "scheduled rate changed"),
    "D0308": (W, "scheduled rate removed"),
    "D0309": (W, "rate card's pricing unit conversion changed"),
    "D0310": (N, "rate card added"),
    "D0311": (W, "rate card removed"),
    "D0312": (N, "rate card name or description changed"),
    "D0401": (W, "contract template term changed"),
    "D0402": (N, "contract template added"),
    "D0403": (W, "contract template removed"),
    "D0404": (N, "contract template name or description changed"),
    "D0501": (W, "package rounding mode changed"),
    "D0502": (N, "package name or description changed"),
    "D0503": (N, "pricing unit added or renamed"),
    "D0504": (W, "pricing unit removed"),
    "D0601": (N, "scenario added (not replayed on the base)"),
    "D0602": (N, "scenario removed (not replayed in the working tree)"),
}


def severity_of(code: str) -> Severity:
    return CHANGE_CODES[code][0]
