"""Routing: the model catalog and prices, complexity, selection, fallback and keys."""
