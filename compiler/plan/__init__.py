"""The rating plan: build it from a checked package, serialise it canonically, hash it."""
