"""`br merge --dry-run`: the order and git's forecast, touching no working tree, index or ref.

Each clean forecast is chained: the predicted tree is written as a dangling commit object (no
ref points at it) so the next branch is predicted against what the target would have become.
Verification cannot be forecast; a dry run says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from brgit.gitops import merge as gm
from brgit.gitops.git import rev_parse
from brgit.merge.model import (
    CONFLICT,
    DEPENDENCY,
    NO_CHANGES,
    DryRun,
    Ejection,
    Forecast,
    TrainItem,
)
from brgit.merge.order import blocked_by


def dry_run(
    root: Path,
    items: Sequence[TrainItem],
    target: str,
    *,
    skipped: Sequence[Ejection] = (),
    session: str | None = None,
) -> DryRun:
    tip = rev_parse(target, root)
    result = DryRun(target, tip, session=session)
    current, merged = tip, set[str]()
    for position, item in enumerate(items, start=1):
        dep = blocked_by(item, merged)
        if dep is not None:
            result.forecasts.append(Forecast(position, item.task_id, item.branch, DEPENDENCY))
            continue
        prediction = gm.predict(current, item.rev, root)
        if not prediction.clean:
            forecast = Forecast(position, item.task_id, item.branch, CONFLICT, prediction.conflicts)
            result.forecasts.append(forecast)
            continue
        if prediction.tree == gm.tree_of(root, current):
            merged.add(item.task_id)
            result.forecasts.append(Forecast(position, item.task_id, item.branch, NO_CHANGES))
            continue
        message = f"forecast {item.task_id}"
        current = gm.commit_tree(prediction.tree, [current, item.rev], message, root, forecast=True)
        merged.add(item.task_id)
        result.forecasts.append(Forecast(position, item.task_id, item.branch, "clean"))
    for extra in skipped:
        result.forecasts.append(Forecast(0, extra.task_id, extra.branch, extra.reason))
    return result
