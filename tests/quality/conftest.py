"""Generated projects for the quality tests: a clean, fully tested one, and the same project
with planted problems (a hard-coded key, stubs, an untested module, an unbuilt spec feature,
a very complex function, a bare except). Each is a real git repository whose tests run under
coverage.py in a real subprocess."""

from __future__ import annotations

import random
import string
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import git

README = (
    "# shop\n\nA tiny shop library used by brgit's quality tests. It keeps a cart of items with "
    "prices and quantities, adds them up with a discount, and formats receipts for customers. "
    "Run the tests with `python -m pytest -q`.\n"
)
CART = '''"""A shopping cart."""


def cart_total(prices, discount=0):
    """Sum the prices, less a discount in percent."""
    total = sum(prices)
    if discount:
        total = total * (100 - discount) / 100
    return total


class Receipt:
    """Formats a receipt."""

    def render(self, total):
        """One line with the total."""
        return f"total: {total:.2f}"
'''
TEST_CART = '''from shop.cart import Receipt, cart_total


def test_total():
    assert cart_total([1, 2]) == 3
    assert cart_total([10], discount=50) == 5


def test_receipt():
    assert Receipt().render(3) == "total: 3.00"
'''
SPEC = "# Feature: Cart totals\nAdd up the `shop/cart.py` prices.\n- discounts\n"
CLEAN = {
    "README.md": README,
    "shop/__init__.py": "",
    "shop/cart.py": CART,
    "tests/test_cart.py": TEST_CART,
    "PROJECT_SPEC.md": SPEC,
}


def complex_function() -> str:
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(14))
    return f'"""Pricing."""\n\n\ndef price(x):\n    """Price by code."""\n{branches}\n    return -1\n'


def fake_key() -> str:
    """An Anthropic-shaped key made from pieces (its own generator: drawing from the shared
    one in tests/security/samples.py would change that module's labelled set)."""
    rng = random.Random(14)
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(93))
    return "sk-ant-" + "api03-" + body + "AA"


def planted() -> dict[str, str]:
    key = fake_key()
    return {
        **CLEAN,
        "shop/config.py": f'"""Settings."""\n\nAPI_KEY = "{key}"\n',
        "shop/payments.py": (
            '"""Payments."""\n\n\ndef refund(order):\n    """Refund an order."""\n'
            "    raise NotImplementedError\n\n\ndef charge(order):\n    pass\n\n\n"
            'def settle(order):\n    """Settle."""\n    try:\n        return order.pay()\n'
            "    except:\n        pass\n    # TODO: retry later\n"
        ),
        "shop/reports.py": '"""Reports."""\n\n\ndef weekly():\n    """A report."""\n    return []\n',
        "shop/pricing.py": complex_function(),
        "PROJECT_SPEC.md": SPEC + "\n# Feature: Password reset\nEmail a reset link.\n",
    }


def config_text(**extra: str) -> str:
    command = f'"{Path(sys.executable).as_posix()} -m pytest -q -p no:cacheprovider"'
    lines = ["[quality]", f"test_command = {command}"]
    lines += [f"{k} = {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def write_project(root: Path, files: dict[str, str], config: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / ".buildrunner").mkdir(exist_ok=True)
    (root / ".buildrunner" / "config.toml").write_text(config or config_text())
    (root / ".gitignore").write_text(files.get(".gitignore", "") + ".buildrunner/\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "project")
    return root


MakeProject = Callable[..., Path]


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    def make(files: dict[str, str], name: str = "project", config: str | None = None) -> Path:
        return write_project(tmp_path / name, files, config)

    return make


@pytest.fixture
def clean(make_project: MakeProject) -> Path:
    return make_project(CLEAN, "clean")


@pytest.fixture
def dirty(make_project: MakeProject) -> Path:
    return make_project(planted(), "dirty")
