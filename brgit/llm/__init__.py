"""Model data every layer may read: the price catalog, API keys, the lazy anthropic client and
its errors. The only package that imports `anthropic`, and only when a model is called."""
