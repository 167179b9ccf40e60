"""Results of the train as JSON-ready data and as a view for people."""

from __future__ import annotations

from typing import Any

from brgit.merge.model import DryRun, TrainResult
from brgit.view import Table, View, plain


def train_data(result: TrainResult) -> dict[str, Any]:
    data: dict[str, Any] = plain(result)
    data["ok"] = result.ok
    return data


def train_view(result: TrainResult) -> View:
    view = View(title=f"Merge train {result.train_id} into {result.target}")
    view.fields = [
        ("strategy", result.strategy),
        ("from", result.start_commit[:12]),
        ("to", result.final_commit[:12]),
        ("merged", len(result.merged)),
        ("ejected", len(result.ejected)),
        ("verify runs", result.verify_runs),
        ("wall time", f"{result.duration_ms / 1000:.2f}s"),
    ]
    causes = {r.task_id: r.cause for r in result.repairs if r.resolved}
    rows: list[list[Any]] = [
        [m.task_id, m.branch, _merged(m.repaired, causes.get(m.task_id)), m.commit[:12]]
        for m in result.merged
    ]
    for e in [*result.ejected, *result.skipped]:
        detail = ", ".join(e.files) or e.detail
        rows.append([e.task_id, e.branch, e.reason, detail])
    view.tables.append(Table(["task", "branch", "outcome", "commit / detail"], rows))
    view.lines += _notes(result)
    return view


def _merged(repaired: bool, cause: str | None) -> str:
    return f"merged (repaired: {cause})" if repaired and cause else "merged"


def _notes(result: TrainResult) -> list[str]:
    lines = [f"Full verify output of {e.task_id}: {e.log}" for e in result.ejected if e.log]
    lines += [
        f"Repair of {r.task_id} ({r.cause}) did not resolve it: {r.detail}"
        for r in result.repairs
        if not r.resolved
    ]
    if result.stopped:
        lines.append("The train stopped at the first ejection (--on-conflict stop).")
    if result.ejected:
        lines.append("Ejected branches keep their commits; fix them and merge again.")
    return lines


def dry_run_data(result: DryRun) -> dict[str, Any]:
    data: dict[str, Any] = plain(result)
    data["conflicts"] = sum(1 for f in result.forecasts if f.outcome == "conflict")
    return data


def dry_run_view(result: DryRun) -> View:
    view = View(title=f"Dry run: merge order into {result.target} ({result.target_commit[:12]})")
    rows = [
        [f.position or "-", f.task_id, f.branch, f.outcome, ", ".join(f.files)]
        for f in result.forecasts
    ]
    view.tables.append(Table(["#", "task", "branch", "forecast", "files"], rows))
    view.lines.append(
        "Nothing was changed. Verification is not forecast; it runs during the train."
    )
    return view


def job_view(data: dict[str, Any]) -> View:
    """`br run`'s summary for people, built from the same dict `--format json` prints."""
    tasks, tokens = data["tasks"], data["tokens"]
    view = View(title=f"br run: session {data['session']}")
    view.fields = [
        (
            "tasks",
            f"{tasks['completed']}/{tasks['total']} completed, "
            f"{tasks['failed']} failed, {tasks['blocked']} blocked"
            + (f", {tasks['no_changes']} with no changes" if tasks.get("no_changes") else ""),
        ),
        ("merged", f"{len(data['merged'])} into {data['target']} ({data['final_commit'][:12]})"),
        ("ejected", len(data["ejected"])),
        ("verify runs", data["verify_runs"]),
        ("tokens", f"{tokens['input']:,} in / {tokens['output']:,} out"),
        ("cost", f"${data['cost_usd']:.4f}"),
        ("wall time", f"{data['wall_time_s']:.2f}s"),
    ]
    rows: list[list[Any]] = [[t, "merged", ""] for t in data["merged"]]
    rows += [
        [e["task_id"], e["reason"], ", ".join(e["files"]) or e["detail"]] for e in data["ejected"]
    ]
    rows += [[e["task_id"], e["reason"], e["detail"]] for e in data["not_merged"]]
    view.tables.append(Table(["task", "outcome", "detail"], rows))
    view.lines += [
        f"Full verify output of {e['task_id']}: {e['log']}" for e in data["ejected"] if e.get("log")
    ]
    return view
