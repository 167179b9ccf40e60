"""The only package that imports `anthropic`, and only when a model is actually called."""
