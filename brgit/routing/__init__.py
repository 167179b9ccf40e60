"""Routing: complexity, model selection, fallback, cooldowns and budgets (the catalog and keys
they read live in `brgit.llm`)."""
