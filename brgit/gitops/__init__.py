"""The only package that talks to git: the git CLI for plumbing (worktrees, merge-tree, hooks)
and GitPython (imported lazily) where its object model helps. Every git failure becomes
`brgit.errors.GitError` here."""
