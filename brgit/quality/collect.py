"""Measure every file of a project once: from the cache when its bytes are unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from brgit.quality import files as project
from brgit.quality.cache import FactsCache, cache_key
from brgit.quality.facts import FileFacts, Scanner

MAX_BYTES = 5_000_000  # larger files are not measured (the security scanner skips them too)


@dataclass
class Project:
    """The measured files of one target folder."""

    target: Path
    files: list[FileFacts] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unreadable or not UTF-8 Python

    @property
    def python(self) -> list[FileFacts]:
        return [f for f in self.files if f.python]

    @property
    def sources(self) -> list[FileFacts]:
        """Python files that are not tests."""
        return [f for f in self.python if not project.is_test(f.rel)]

    @property
    def tests(self) -> list[FileFacts]:
        return [f for f in self.python if project.is_test(f.rel)]


def collect(target: Path, scanner: Scanner | None, cache: FactsCache,
            exclude: tuple[str, ...] | list[str] = ()) -> Project:
    result = Project(target)
    fingerprint = scanner.fingerprint if scanner is not None else "-"
    for rel in project.project_files(target, exclude):
        try:
            data = (target / rel).read_bytes()
        except OSError:
            result.skipped.append(rel)
            continue
        if len(data) > MAX_BYTES:
            result.skipped.append(rel)
            continue
        key = cache_key(rel, data, fingerprint)
        facts = _cached(cache, key, rel)
        if facts is None:
            facts = measure(rel, data, scanner)
            cache.put(key, facts.to_dict())
        result.files.append(facts)
    cache.save()
    return result


def _cached(cache: FactsCache, key: str, rel: str) -> FileFacts | None:
    stored = cache.get(key)
    if stored is None:
        return None
    try:
        return FileFacts.from_dict(rel, stored)
    except (KeyError, TypeError, ValueError):
        return None  # an entry of a shape this version does not read: measure again


def measure(rel: str, data: bytes, scanner: Scanner | None) -> FileFacts:
    from brgit.quality import pysource

    facts = FileFacts(rel)
    if rel.endswith((".py", ".pyi")):
        try:
            facts = pysource.analyse(rel, data.decode("utf-8"))
        except UnicodeDecodeError:
            facts.syntax_error = "not UTF-8 text"
    if scanner is not None:
        facts.security = scanner.scan(rel, data)
    return facts
