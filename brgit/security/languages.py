"""Which SQL analysis a file gets, by its name (kept apart so the secrets hook does not import
the SQL analysers)."""

from __future__ import annotations

PY_SUFFIXES = (".py", ".pyi", ".pyw")
JS_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")


def language_of(file_path: str) -> str | None:
    lowered = file_path.lower()
    if lowered.endswith(PY_SUFFIXES):
        return "python"
    if lowered.endswith(JS_SUFFIXES):
        return "javascript"
    return None
