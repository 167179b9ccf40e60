"""The `ray` backend: a session's attempts as Ray tasks on the nodes of a cluster.

The scheduler, the plan's graph, the session record, statuses, model choice, escalation, the
ledger and telemetry stay in the supervising process (the driver), as with the local backend.
What moves is one attempt (`brgit.parallel.worker.run_attempt`, unchanged): it runs on a node,
in a worktree cut from that node's mirror of the session's git remote (`node.py`), and pushes
its result to `br/<session>/<task>` there. What it reported comes back inside its result and
is appended once, by the driver (`driver.py`). `board.py` carries cancellation to the nodes,
`probe.py` says whether a cluster is reachable (`br doctor`), and `jobs.py` submits a detached
session's driver as a Ray job. docs/SCALE.md has the design and the trust model.

Only `driver.py`, `board.py`'s actor and `jobs.py` import ray, inside functions: the rest is
plain Python, tested without a cluster.
"""
