"""The quality gate in the merge train, registered the way the train takes gates (a factory
of the loaded config under a name): a branch that adds a hard-coded key is ejected with the
gate's reason, a clean one lands. Real git, real scratch worktrees, real coverage runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from brgit.app.quality import make_gate
from brgit.config import load_config
from brgit.merge import gates, order
from brgit.merge.model import GATE_FAILED, TrainOptions
from brgit.merge.train import run_train
from tests.merge.conftest import make_branch
from tests.quality.conftest import CLEAN, TEST_CART, fake_key

RECEIPT = CLEAN["shop/cart.py"] + '\n\ndef receipt_lines(total):\n    """Lines."""\n    return [total]\n'
RECEIPT_TEST = TEST_CART + "\n\ndef test_lines():\n    from shop.cart import receipt_lines\n\n    assert receipt_lines(1) == [1]\n"


def test_train_ejects_the_branch_that_fails_the_quality_gate(
    clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(gates.GATES, "quality", make_gate)
    make_branch(clean, "leaky", {"shop/secrets.py": f'"""S."""\n\nKEY = "{fake_key()}"\n'})
    make_branch(clean, "receipts", {"shop/cart.py": RECEIPT, "tests/test_cart.py": RECEIPT_TEST})
    opts = TrainOptions("main", gates=("quality",))
    resolved = gates.resolve(opts.gates, load_config(clean))
    result = run_train(clean, order.from_branches(["leaky", "receipts"], clean), opts,
                       gates=resolved)
    assert [m.task_id for m in result.merged] == ["receipts"]
    [ejection] = result.ejected
    assert (ejection.task_id, ejection.reason) == ("leaky", GATE_FAILED)
    assert ejection.detail == ("quality: quality gate failed: security 70/90 (high secret: "
                               "anthropic_key at shop/secrets.py:3)")
    assert fake_key() not in ejection.detail
    assert (clean / "shop" / "cart.py").read_text() == RECEIPT


def test_br_merge_gate_quality_ejects_through_the_command_line(clean: Path, br) -> None:  # type: ignore[no-untyped-def]
    """`br merge --gate quality` finds the gate brgit registers (no test registration)."""
    import json

    make_branch(clean, "leaky", {"shop/secrets.py": f'"""S."""\n\nKEY = "{fake_key()}"\n'})
    make_branch(clean, "receipts", {"shop/cart.py": RECEIPT, "tests/test_cart.py": RECEIPT_TEST})
    result = br("merge", "leaky", "receipts", "--gate", "quality", "--format", "json", cwd=clean)
    assert result.code == 1, result.out + result.err
    data = json.loads(result.out)
    assert [m["task_id"] for m in data["merged"]] == ["receipts"]
    assert [(e["task_id"], e["reason"]) for e in data["ejected"]] == [("leaky", GATE_FAILED)]
    assert fake_key() not in result.out + result.err
