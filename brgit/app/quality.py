"""The quality package put together with brgit's scanners: the facts cache, the security
scanner in the shape `brgit.quality.facts.Scanner` asks for, and the `quality` gate of the
merge train (registered in `brgit.merge.gates.GATES` by `register_gates`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brgit.config import Config
    from brgit.quality.cache import FactsCache
    from brgit.quality.facts import SecurityHit
    from brgit.quality.gate import QualityGate
    from brgit.quality.model import QualityReport


def register_gates() -> None:
    """Make the gates brgit ships known to the merge train (`br merge --gate quality`,
    `merge.gate = ["quality"]`). The factories import nothing until a train asks for them."""
    from brgit.merge.gates import GATES

    GATES.setdefault("quality", make_gate)


def facts_cache(cfg: Config) -> FactsCache:
    from brgit import paths
    from brgit.quality.cache import FactsCache

    return FactsCache(paths.store_dir(cfg.root) / "quality" / "facts.json")


class SecurityScanner:
    """brgit's secret and SQL-injection scanners (whitelist and baseline applied) in the shape
    `brgit.quality.facts.Scanner` asks for."""

    def __init__(self, cfg: Config, target: Path) -> None:
        from brgit.security import service
        from brgit.security.engine import Engine

        settings = service.settings_for(cfg, target)
        self.engine = Engine(settings)
        self.prefix = _prefix(target, settings.top)
        self.fingerprint = _fingerprint(settings.whitelist_path, settings.baseline_path,
                                        repr(settings))

    def scan(self, rel: str, data: bytes) -> list[SecurityHit]:
        from brgit.quality.facts import SecurityHit
        from brgit.security.model import ScanReport

        self.engine.report = ScanReport()
        self.engine.scan_blobs([(self.prefix + rel, data)])
        return [SecurityHit(f.line, f.rule, f.kind, f.severity, f.message)
                for f in self.engine.report.findings]


def _prefix(target: Path, top: Path) -> str:
    try:
        rel = target.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return ""
    return "" if rel == "." else rel + "/"


def _fingerprint(*parts: Path | str) -> str:
    import hashlib

    from brgit import __version__

    digest = hashlib.sha256(__version__.encode())
    for part in parts:
        if isinstance(part, Path):
            try:
                digest.update(part.read_bytes())
            except OSError:
                digest.update(b"-")
        else:
            digest.update(part.encode())
    return digest.hexdigest()[:16]


def make_gate(cfg: Config, *, strict: bool = False) -> QualityGate:
    """The `quality` gate of the merge train: `gate.check(worktree) -> (passed, reason)`."""
    from brgit.quality.check import check as run_check
    from brgit.quality.gate import QualityGate

    cache = facts_cache(cfg)

    def checker(worktree: Path) -> QualityReport:
        return run_check(worktree, cfg.quality, SecurityScanner(cfg, worktree), cache,
                         strict=strict)

    return QualityGate(checker)


