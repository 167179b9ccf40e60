"""The `br` command line: one typer app per command group, joined in `main`."""
