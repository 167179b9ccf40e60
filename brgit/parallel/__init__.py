"""Parallel sessions: each task of a plan runs in its own git worktree on its own branch."""
