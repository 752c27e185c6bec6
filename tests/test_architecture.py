"""The house's plan, held against the code: one package per job, imports
that run one way, no module past 350 lines, a front-door README, and the
Whoosh table of contents naming only classes that stay where they are."""

import ast
import pickletools
from pathlib import Path

import pytest

from searchsvc.indexer import rebuild
from tests.conftest import write_corpus

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "searchsvc"
SIX = ("ingest", "indexer", "storage", "engine", "web", "ops")
SHARED = ("analysis", "config", "dates")
# what each may never import (the rest of the six, and the shared modules, it may)
NEVER = {
    "storage": {"ingest", "indexer", "engine", "web", "ops"},
    "ingest": {"indexer", "storage", "engine", "web", "ops"},
    "engine": {"ingest", "indexer", "web", "ops"},
    "indexer": {"engine", "web", "ops"},
    "web": {"indexer", "ops"},
    "analysis": set(SIX),
    "config": set(SIX),
    "dates": set(SIX),
}


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py"))


def _home(path: Path) -> str:
    """The package (or shared module) a file of searchsvc belongs to."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imported(path: Path) -> set[str]:
    """The searchsvc parts (one of SIX or a top-level module) that ``path``
    imports anywhere in it, at the top or inside a function."""
    here = path.relative_to(ROOT).with_suffix("").parts  # ('searchsvc', 'web', 'views')
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[:len(here) - node.level])
                module = base + (node.module.split(".") if node.module else [])
                if node.module is None:  # from . import a, b
                    names = [".".join(module + [a.name]) for a in node.names]
                else:
                    names = [".".join(module)] + [".".join(module + [a.name]) for a in node.names]
            else:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "searchsvc" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_the_six_packages_and_the_shared_modules_are_the_whole_package():
    tops = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
            if (p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py"}
    assert tops == {*SIX, *SHARED, "cli", "__init__"}


@pytest.mark.parametrize("package", SIX)
def test_each_package_says_what_it_owns_and_may_import(package):
    doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text()))
    assert doc and doc.startswith(f"{package}: ") and "Imports:" in doc


def test_imports_run_one_way():
    broken = []
    for path in _modules():
        home = _home(path)
        for target in _imported(path) & NEVER.get(home, set()):
            broken.append(f"{path.relative_to(ROOT)} imports searchsvc.{target}")
    assert not broken, "\n".join(broken)


def test_the_checker_sees_relative_and_late_imports(tmp_path):
    """The rule check reads what a module really imports (a test that
    cannot fail would hold nothing)."""
    web = PACKAGE / "web" / "views.py"
    assert {"engine", "storage", "ingest"} <= _imported(web)
    assert "indexer" in _imported(PACKAGE / "cli" / "__init__.py")  # imported inside a command


def test_no_module_is_over_350_lines():
    long = {str(p.relative_to(ROOT)): n for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 350}
    assert not long


def test_the_readme_is_a_front_door_and_the_manual_is_in_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme) < 16_000
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for package in SIX:
        assert f"searchsvc/{package}/" in architecture, package
    assert "docs/architecture.md" in readme


def _pickled_globals(data: bytes) -> set[str]:
    """The module.name pairs the pickle inside ``data`` (after the file's
    own header) would import."""
    found, strings = set(), []
    start = data.index(b"\x80")  # the PROTO opcode that starts a pickle
    for op, arg, _ in pickletools.genops(data[start:]):
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(arg)
        elif op.name == "STACK_GLOBAL":
            found.add(f"{strings[-2]}.{strings[-1]}")
        elif op.name == "GLOBAL":
            found.add(arg.replace(" ", "."))
    return found


def test_whoosh_pickles_only_the_stable_schema_names(tmp_path):
    """A build's table of contents unpickles classes by name: the only
    classes of ours it names are wordschema's, which never move, and the
    user dictionary is a plain file, not part of the pickle."""
    corpus_dir = write_corpus(tmp_path / "c", {"a.txt": "标题\n罗湖区营商环境。"})
    (corpus_dir / "_dictionary.txt").write_text("木头龙 5\n", encoding="utf-8")
    report = rebuild.build_index(corpus_dir, tmp_path / "i")
    toc = next(Path(report.path).glob("_MAIN_*.toc")).read_bytes()
    ours = {name for name in _pickled_globals(toc) if name.startswith("searchsvc")}
    assert ours == {"searchsvc.storage.wordschema.CountedText",
                    "searchsvc.storage.wordschema.WordTokenizer"}
    assert "木头龙".encode() not in toc
    assert (Path(report.path) / "dictionary.txt").read_text(encoding="utf-8") == "木头龙 5\n"
