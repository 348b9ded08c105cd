"""`plan diff`: what a change to the price book breaks, and the invoices it moves.

from compiler.diff import diff_revision
report = diff_revision("origin/main", [Path("packages")])
report.breaking, report.changes, report.impacts
"""

from compiler.diff.changes import Change
from compiler.diff.codes import CHANGE_CODES
from compiler.diff.compare import DiffReport, diff_revision
from compiler.diff.impact import CurrencyTotal, InvoiceImpact
from compiler.diff.revision import RevisionError

__all__ = [
    "CHANGE_CODES",
    "Change",
    "CurrencyTotal",
    "DiffReport",
    "InvoiceImpact",
    "RevisionError",
    "diff_revision",
]
