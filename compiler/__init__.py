"""plan-compiler: pricing as code.

import compiler
validation = compiler.validate("packages/ai-platform")
plan, _ = compiler.compile_package("packages/ai-platform")
results = compiler.preview("packages/ai-platform", scenario="november")
"""

from compiler.api import compile_package, package_dirs, preview, replay, validate
from compiler.diagnostics import CompilerError

__all__ = ["CompilerError", "compile_package", "package_dirs", "preview", "replay", "validate"]
