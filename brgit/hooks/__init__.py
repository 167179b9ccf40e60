"""Lean entry points that pre-commit and git call: standard library and brgit.security only."""
