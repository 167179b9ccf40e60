"""Whole jobs that span the domain packages: `br run`, `br demo`, detached and watched sessions."""
