"""Facts of one Python file from one parse: complexity (radon), public docstrings, stubs,
TODOs, exception handlers that hide errors, imports and the names it defines.

Docstring coverage counts what interrogate counts with `--ignore-private
--ignore-semiprivate --ignore-magic --ignore-init-method --ignore-nested-functions
--ignore-overloaded-functions --ignore-setters`: the public API. Two differences:
an `__init__.py` needs no module docstring (its classes and functions count), and members
of a private class are not public. The benchmark compares the two on brgit itself.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator

from brgit.quality.facts import Documented, FileFacts, Function, Import, Spot

Def = ast.FunctionDef | ast.AsyncFunctionDef
TODO = re.compile(r"\b(TODO|FIXME|XXX)\b")
WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
BROAD = {"Exception", "BaseException"}


def analyse(rel: str, text: str) -> FileFacts:
    facts = FileFacts(rel, lines=len(text.splitlines()), python=True)
    try:
        tree = ast.parse(text, filename=rel)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        facts.syntax_error = f"line {line}: {getattr(exc, 'msg', exc)}" if line else str(exc)
        return facts
    nodes = list(ast.walk(tree))  # one walk serves handlers, raises and names
    facts.functions = functions(tree)
    facts.documented = documented(tree, package=rel.endswith("__init__.py"))
    raises = [n.lineno for n in nodes if isinstance(n, ast.Raise) and _raises_not_implemented(n)]
    facts.spots = [*([] if rel.endswith(".pyi") else stubs(tree, raises)), *handlers(nodes),
                   *todos(text)]
    facts.imports = list(imports(tree.body, top=True))
    facts.words, facts.defs = names(tree, nodes, rel)
    return facts


def functions(tree: ast.Module) -> list[Function]:
    """Every function and method with radon's cyclomatic complexity."""
    from radon.visitors import ComplexityVisitor

    visitor = ComplexityVisitor.from_ast(tree)
    found = [Function(f.name, f.lineno, f.endline, f.complexity) for f in visitor.functions]
    for cls in visitor.classes:
        found += [Function(f"{cls.name}.{m.name}", m.lineno, m.endline, m.complexity)
                  for m in cls.methods]
    return sorted(found, key=lambda f: f.line)


def _decorators(node: Def | ast.ClassDef) -> set[str]:
    out = set()
    for dec in node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        out.add(ast.unparse(target).rsplit(".", 1)[-1])
    return out


def _has_doc(node: ast.Module | ast.ClassDef | Def) -> bool:
    return ast.get_docstring(node, clean=False) is not None


def documented(tree: ast.Module, *, package: bool = False) -> list[Documented]:
    """Public objects and their docstrings (a package's `__init__` needs none of its own)."""
    found = [] if package else [Documented("module", "module", 1, _has_doc(tree))]
    return found + _public_defs(tree.body, prefix="", in_class=False)


def _public_defs(body: list[ast.stmt], prefix: str, in_class: bool) -> list[Documented]:
    found: list[Documented] = []
    for node in body:
        if not isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if node.name.startswith("_") or _decorators(node) & {"overload", "setter", "deleter"}:
            continue
        name = f"{prefix}{node.name}"
        if isinstance(node, ast.ClassDef):
            found.append(Documented(name, "class", node.lineno, _has_doc(node)))
            found += _public_defs(node.body, f"{name}.", in_class=True)
        else:
            kind = "method" if in_class else "function"
            found.append(Documented(name, kind, node.lineno, _has_doc(node)))
    return found


def _body(node: Def) -> list[ast.stmt]:
    """The body without its docstring."""
    return node.body[1:] if _has_doc(node) else node.body


def _placeholder(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Pass):
        return True
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) \
        and stmt.value.value is Ellipsis


def _raises_not_implemented(node: ast.Raise) -> bool:
    if node.exc is None:
        return False
    target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"


def stubs(tree: ast.Module, raises: list[int]) -> list[Spot]:
    """Functions that raise NotImplementedError (`raises`: the lines of those statements), and
    public ones whose body is only `pass`/`...` (abstract methods, overloads and Protocol
    classes are declarations, not stubs)."""
    found: list[Spot] = []
    for node, public in _functions_with_visibility(tree.body, public=True):
        if _decorators(node) & {"abstractmethod", "overload"}:
            continue
        end = node.end_lineno or node.lineno
        raising = [line for line in raises if node.lineno <= line <= end]
        if raising:
            found.append(Spot("not-implemented", raising[0], node.name, public))
        elif public and _body(node) and all(_placeholder(s) for s in _body(node)):
            found.append(Spot("pass-only", node.lineno, node.name, public))
    return found


def _functions_with_visibility(body: list[ast.stmt], public: bool) -> Iterator[tuple[Def, bool]]:
    for node in body:
        if isinstance(node, ast.ClassDef):
            bases = {ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases}
            if "Protocol" not in bases:
                yield from _functions_with_visibility(
                    node.body, public and not node.name.startswith("_"))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node, public and not node.name.startswith("_")


def handlers(nodes: list[ast.AST]) -> list[Spot]:
    """Bare `except:` and handlers whose whole body is `pass`, `...` or `continue`."""
    found: list[Spot] = []
    for node in nodes:
        if not isinstance(node, ast.ExceptHandler):
            continue
        caught = "" if node.type is None else ast.unparse(node.type)
        broad = node.type is None or caught in BROAD
        swallowed = all(_placeholder(s) or isinstance(s, ast.Continue) for s in node.body)
        if node.type is None:
            text = "bare `except:`" + (" that swallows the error" if swallowed else "")
            found.append(Spot("bare-except", node.lineno, text, broad=True))
        elif swallowed:
            found.append(Spot("swallowed", node.lineno, f"`except {caught}:` swallows it",
                              broad=broad))
    return found


def todos(text: str) -> list[Spot]:
    if "TODO" not in text and "FIXME" not in text and "XXX" not in text:
        return []
    found: list[Spot] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT and TODO.search(tok.string):
                found.append(Spot("todo", tok.start[0], tok.string.lstrip("# ")[:120]))
    except (tokenize.TokenError, SyntaxError):
        pass  # the AST parsed, so only an odd tokenizer corner is lost, not a finding
    return found


def _type_checking(node: ast.If) -> bool:
    return ast.unparse(node.test).rsplit(".", 1)[-1] == "TYPE_CHECKING"


def imports(body: list[ast.stmt], top: bool) -> Iterator[Import]:
    """Every import; `top` when it runs on import of the module (not in a function or under
    `if TYPE_CHECKING:`), which is what makes an import cycle."""
    for node in body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, 0, (), node.lineno, top)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(a.name for a in node.names)
            yield Import(node.module or "", node.level, names, node.lineno, top)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from imports(node.body, top=False)
        elif isinstance(node, ast.If) and _type_checking(node):
            yield from imports(node.body, top=False)
            yield from imports(node.orelse, top)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    yield from imports([child], top)
                elif isinstance(child, ast.ExceptHandler):
                    yield from imports(child.body, top)


def split_words(text: str) -> set[str]:
    """`parseConfigFile`, `parse_config_file` -> {parse, config, file}."""
    return {w.lower() for w in WORD.findall(text) if len(w) >= 3}


def names(tree: ast.Module, nodes: list[ast.AST], rel: str) -> tuple[list[str], dict[str, int]]:
    words = split_words(rel.removesuffix(".py"))
    defs: dict[str, int] = {}
    for node in nodes:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            words |= split_words(node.name)
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            defs[node.name] = node.lineno
    return sorted(words), defs
