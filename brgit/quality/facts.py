"""What one file holds, measured once and cached by content: the values every score and gap
is computed from. Thresholds are applied later, so changing a limit never needs a re-scan."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

# Bump when a field or the way it is measured changes: cached facts of older versions are
# measured again.
FACTS_VERSION = 1


@dataclass(frozen=True)
class SecurityHit:
    """One finding of the security scanners, as quality needs it (never the secret)."""

    line: int
    rule: str
    kind: str  # "secret" | "sql"
    severity: str  # "high" | "medium" | "low"
    message: str


class Scanner(Protocol):
    """The security scanners, passed in by the caller (quality does not import security).

    `fingerprint` changes whenever the scan of the same bytes could change (whitelist,
    baseline, settings), so cached results are keyed by it."""

    fingerprint: str

    def scan(self, rel: str, data: bytes) -> list[SecurityHit]: ...


@dataclass(frozen=True)
class Function:
    name: str  # qualified: Class.method
    line: int
    end: int
    complexity: int

    @property
    def length(self) -> int:
        return self.end - self.line + 1


@dataclass(frozen=True)
class Documented:
    """A public module, class, function or method, and whether it has a docstring."""

    name: str
    kind: str  # "module" | "class" | "function" | "method"
    line: int
    covered: bool


@dataclass(frozen=True)
class Spot:
    """A place worth a gap: a stub, a TODO, an error-handling hole."""

    kind: str  # not-implemented | pass-only | todo | bare-except | swallowed
    line: int
    text: str
    public: bool = True
    broad: bool = False  # an exception handler that catches everything


@dataclass(frozen=True)
class Import:
    module: str  # as written, without the leading dots
    level: int  # 0 absolute, 1 for `from .`, 2 for `from ..`
    names: tuple[str, ...]
    line: int
    top: bool  # at module level (not in a function or `if TYPE_CHECKING:`)


@dataclass
class FileFacts:
    rel: str
    lines: int = 0
    python: bool = False
    syntax_error: str | None = None
    functions: list[Function] = field(default_factory=list)
    documented: list[Documented] = field(default_factory=list)
    spots: list[Spot] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    defs: dict[str, int] = field(default_factory=dict)  # top-level name -> line
    security: list[SecurityHit] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("rel")
        return data

    @classmethod
    def from_dict(cls, rel: str, data: dict[str, Any]) -> FileFacts:
        imports = [Import(**{**i, "names": tuple(i["names"])}) for i in data["imports"]]
        return cls(
            rel, data["lines"], data["python"], data["syntax_error"],
            [Function(**f) for f in data["functions"]],
            [Documented(**d) for d in data["documented"]],
            [Spot(**s) for s in data["spots"]], imports, list(data["words"]),
            dict(data["defs"]), [SecurityHit(**h) for h in data["security"]],
        )
