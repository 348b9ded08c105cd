"""Checks over a loaded package: each a small function with a stable code, in one registry
(`compiler.checks.registry`). The schema check (`compiler.checks.schema`) runs at load time."""
