"""Generate ``SyncClient``'s methods and ``connect_sync`` in qdpool/sync.py from ``Client``.

``python tools/gen_sync.py`` rewrites the three marked regions of qdpool/sync.py;
``--check`` writes nothing and exits 1 (with a diff) when they are stale, which
``tests/test_sync_generated.py`` runs.

Every public coroutine method of ``qdpool.client.Client`` (but ``start`` and
``close``, which ``SyncClient`` has its own of) becomes a blocking method with
the same parameters, annotations (as written, from ``inspect.signature``) and
docstring, that runs the coroutine on the client's loop thread; an async
generator method becomes a method returning a plain ``Iterator``.
``connect_sync`` takes ``connect()``'s parameters, where ``connect()`` passes
``**options`` on to ``Client``, ``Client``'s own keyword parameters instead, so
its signature is fully typed. Defaults that are plain literals are copied;
others (policy objects, functions, enums) show as ``DEFAULT`` and are left to
the wrapped function (``_given`` drops them from the call). The names the
annotations use are imported under ``TYPE_CHECKING`` from where
``qdpool/client.py`` imports them. The result is
put through ``ruff check --fix --select I`` and ``ruff format``, so it is
exactly what those would leave.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import difflib
import inspect
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qdpool import client as client_module  # noqa: E402  (after the path is set)

TARGET = REPO / "qdpool" / "sync.py"
CLIENT_SOURCE = Path(inspect.getfile(client_module))
OWN_LIFECYCLE = frozenset({"start", "close", "aclose"})
ASYNC_ITERATORS = frozenset({"AsyncIterator", "AsyncIterable", "AsyncGenerator"})
LITERALS = (type(None), bool, int, float, str)
REGIONS = ("imports", "methods", "connect_sync")


class GenerateError(Exception):
    """Client has something the generator does not know how to wrap."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if qdpool/sync.py is stale")
    args = parser.parse_args(argv)
    current = TARGET.read_text()
    fresh = generate(current)
    if args.check:
        if fresh == current:
            return 0
        diff = difflib.unified_diff(
            current.splitlines(keepends=True),
            fresh.splitlines(keepends=True),
            "qdpool/sync.py (committed)",
            "qdpool/sync.py (generated)",
        )
        sys.stdout.writelines(diff)
        print("qdpool/sync.py is stale: run `python tools/gen_sync.py`", file=sys.stderr)
        return 1
    if fresh != current:
        TARGET.write_text(fresh)
    return 0


def generate(current: str) -> str:
    """``current`` with its generated regions rebuilt from ``Client`` and ``connect``."""
    names: set[str] = set()
    methods = [render_method(name, func, names) for name, func in public_methods()]
    factory = render_connect_sync(names)
    text = current
    text = replace_region(text, "methods", "\n\n".join(methods), indent="    ")
    text = replace_region(text, "connect_sync", factory, indent="")
    own = imported_names(text)
    text = replace_region(text, "imports", render_imports(names - own), indent="")
    return ruff(text)


# ------------------------------------------------------------------ what to wrap


def public_methods() -> Iterator[tuple[str, Callable[..., Any]]]:
    """``Client``'s public async methods, in the order the class defines them.

    A public plain method that returns no async iterator has no obvious blocking
    form (is it safe off the loop thread?), so it stops the generator until
    ``OWN_LIFECYCLE`` or this function says what to do with it.
    """
    for name, member in vars(client_module.Client).items():
        if name.startswith("_") or name in OWN_LIFECYCLE or not inspect.isfunction(member):
            continue
        if inspect.iscoroutinefunction(member) or _iterates(member):
            yield name, member
        else:
            raise GenerateError(f"Client.{name} is a plain method: decide how to wrap it")


def _iterates(func: Callable[..., Any]) -> bool:
    if inspect.isasyncgenfunction(func):
        return True
    returns = inspect.signature(func).return_annotation
    return isinstance(returns, str) and returns.split("[")[0] in ASYNC_ITERATORS


# ------------------------------------------------------------------ rendering


def render_method(name: str, func: Callable[..., Any], names: set[str]) -> str:
    signature = inspect.signature(func)
    returns = annotation(signature.return_annotation, f"Client.{name}", names)
    if _iterates(func):
        returns = sync_iterator(returns, f"Client.{name}")
        wrap = "self._iterate"
    else:
        if "Async" in returns:
            raise GenerateError(f"Client.{name} returns {returns}: teach gen_sync.py to wrap it")
        wrap = "self._run"
    params = list(signature.parameters.values())[1:]  # without self
    head = render_parameters(params, f"Client.{name}", names)
    doc = inspect.getdoc(func) or f"Blocking form of ``Client.{name}``."
    call = f"self._client.{name}({arguments(params)})"
    return (
        f"def {name}(self, {head}) -> {returns}:\n"
        f"{docstring(doc, '    ')}\n"
        f"    return {wrap}({call})\n"
    )


def render_connect_sync(names: set[str]) -> str:
    connect = client_module.connect
    own = list(inspect.signature(connect).parameters.values())
    expands = [p for p in own if p.kind is inspect.Parameter.VAR_KEYWORD]
    params = [p for p in own if p.kind is not inspect.Parameter.VAR_KEYWORD]
    if expands:  # connect(**options) hands them to Client: take Client's own keywords
        taken = {p.name for p in params}
        init = list(inspect.signature(client_module.Client.__init__).parameters.values())
        params += [
            p for p in init if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in taken
        ]
    head = render_parameters(params, "connect", names)
    args = arguments(params)
    doc = (
        "A ``SyncClient`` for the Qdrant node at ``url``: ``connect()``'s options, blocking.\n\n"
        "The client is started before this returns (a wrong address fails here). Options\n"
        "left at ``DEFAULT`` take ``connect()``'s defaults. Use it as\n"
        "``with qdpool.connect_sync(...) as client:``, or call ``client.close()``.\n\n"
        "Generated from ``connect``'s signature:\n\n"
        + _indent(inspect.getdoc(connect) or "", "    ")
    )
    return (
        f"def connect_sync({head}) -> SyncClient:\n"
        f"{docstring(doc, '    ')}\n"
        f"    return SyncClient(lambda: connect({args}))\n\n\n"
        "def _given(**options: Any) -> dict[str, Any]:\n"
        '    """The options the caller gave, without those left at ``DEFAULT``."""\n'
        "    return {key: value for key, value in options.items() if value is not DEFAULT}\n"
    )


def render_parameters(params: list[inspect.Parameter], where: str, names: set[str]) -> str:
    out: list[str] = []
    star = False
    for i, p in enumerate(params):
        if p.kind is p.KEYWORD_ONLY and not star:
            out.append("*")
            star = True
        if p.kind is p.VAR_POSITIONAL:
            star = True
        if p.kind is p.POSITIONAL_ONLY and (
            i + 1 == len(params) or params[i + 1].kind is not p.POSITIONAL_ONLY
        ):
            suffix = ", /"
        else:
            suffix = ""
        prefix = "*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else ""
        text = f"{prefix}{p.name}"
        if p.annotation is not p.empty:
            text += f": {annotation(p.annotation, where, names)}"
        if p.default is not p.empty:
            text += f" = {repr(p.default) if _literal(p.default) else 'DEFAULT'}"
        out.append(text + suffix)
    return ", ".join(out)


def arguments(params: list[inspect.Parameter]) -> str:
    """The arguments that pass ``params`` on: those left at ``DEFAULT`` through ``_given``."""
    plain = [p for p in params if p.default is p.empty or _literal(p.default)]
    out = [forward(plain)] if plain else []
    left = [p for p in params if p not in plain]
    if left:
        out.append("**_given(" + ", ".join(f"{p.name}={p.name}" for p in left) + ")")
    return ", ".join(out)


def forward(params: list[inspect.Parameter]) -> str:
    """The arguments that pass ``params`` on unchanged."""
    out = []
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            out.append(p.name)
        elif p.kind is p.VAR_POSITIONAL:
            out.append(f"*{p.name}")
        elif p.kind is p.VAR_KEYWORD:
            out.append(f"**{p.name}")
        else:
            out.append(f"{p.name}={p.name}")
    return ", ".join(out)


def _literal(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(_literal(v) for v in value)
    return isinstance(value, LITERALS) and ast.literal_eval(repr(value)) == value


def annotation(value: Any, where: str, names: set[str]) -> str:
    """The annotation as written (a string, thanks to ``from __future__ import annotations``)."""
    if value is inspect.Parameter.empty:
        raise GenerateError(f"{where} lacks an annotation")
    if not isinstance(value, str):
        raise GenerateError(
            f"{where}: annotation {value!r} is not a string; is the future import gone?"
        )
    for node in ast.walk(ast.parse(value, mode="eval")):
        if isinstance(node, ast.Name):
            names.add(node.id)
    return value


def sync_iterator(returns: str, where: str) -> str:
    tree = ast.parse(returns, mode="eval").body
    if not (
        isinstance(tree, ast.Subscript)
        and isinstance(tree.value, ast.Name)
        and tree.value.id in ASYNC_ITERATORS
    ):
        raise GenerateError(f"{where} is an async generator returning {returns}")
    item = tree.slice.elts[0] if isinstance(tree.slice, ast.Tuple) else tree.slice
    return f"Iterator[{ast.unparse(item)}]"


def docstring(text: str, indent: str) -> str:
    quote = 'r"""' if "\\" in text else '"""'
    if '"""' in text:
        raise GenerateError(f"a docstring holds triple quotes: {text[:40]!r}")
    lines = text.strip("\n").splitlines()
    if len(lines) == 1:
        return f'{indent}{quote}{lines[0]}"""'
    body = "\n".join(f"{indent}{line}" if line else "" for line in lines[1:])
    return f'{indent}{quote}{lines[0]}\n{body}\n{indent}"""'


def _indent(text: str, indent: str) -> str:
    return "\n".join(f"{indent}{line}" if line else "" for line in text.splitlines())


# ------------------------------------------------------------------ imports


def render_imports(names: set[str]) -> str:
    """``if TYPE_CHECKING:`` imports of ``names``, from where client.py gets them."""
    table = client_imports()
    lines = []
    for name in sorted(names):
        if hasattr(builtins, name):
            continue
        if name not in table:
            raise GenerateError(f"annotation name {name!r} is not imported or defined in client.py")
        lines.append(f"    {table[name]}")
    if not lines:
        return ""
    return "if TYPE_CHECKING:\n" + "\n".join(lines) + "\n"


def client_imports() -> dict[str, str]:
    """Each name client.py binds at top level, with the import that gives it."""
    tree = ast.parse(CLIENT_SOURCE.read_text())
    table: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                bound = alias.asname or alias.name
                spec = alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"
                table[bound] = f"from {node.module} import {spec}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                table[bound] = f"import {alias.name}" + (
                    f" as {alias.asname}" if alias.asname else ""
                )
        elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            table[node.name] = f"from {client_module.__name__} import {node.name}"
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    table[target.id] = f"from {client_module.__name__} import {target.id}"
    return table


def imported_names(text: str) -> set[str]:
    """Names sync.py's own (hand-written, module-level) imports bind."""
    bound: set[str] = set()
    for node in ast.parse(text).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    bound.update({"SyncClient", "DEFAULT"})
    return bound


# ------------------------------------------------------------------ the file


def replace_region(text: str, region: str, body: str, *, indent: str) -> str:
    start_marker = f"{indent}# <generated {region}: tools/gen_sync.py>\n"
    end_marker = f"{indent}# </generated {region}>\n"
    start = text.find(start_marker)
    end = text.find(end_marker)
    if start < 0 or end < start:
        raise GenerateError(f"qdpool/sync.py lacks the markers of the {region!r} region")
    lines = [f"{indent}{line}" if line.strip() else "" for line in body.strip("\n").splitlines()]
    inner = "\n".join(lines) + "\n" if lines else ""
    return text[: start + len(start_marker)] + inner + text[end:]


def ruff(text: str) -> str:
    def run(*args: str, source: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *args, "--stdin-filename", str(TARGET), "-"],
            input=source,
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        if done.returncode not in (0, 1) or not done.stdout:
            raise GenerateError(f"ruff {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    fixed = run("check", "--fix", "--select", "I", "--quiet", "--exit-zero", source=text)
    return run("format", "--quiet", source=fixed)


if __name__ == "__main__":
    sys.exit(main())
