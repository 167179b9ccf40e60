"""Agents carry out one task in one worktree: `shell`, `command` and `claude`."""
