"""The only package that talks to git, through the git CLI (`gitops.git`: one runner, text,
bytes or streamed). Every git failure becomes `brgit.errors.GitError` here."""
