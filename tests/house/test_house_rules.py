"""The guards that keep the house standing: layering, lint, types, and a repository that stands alone.

Each runs the real tool over the real tree, so a wrong import, a lint error or a type error
anywhere fails the suite the README's test command runs (and so CI).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(sys.executable).parent
ROOMS = ("bot", "dialogs", "domain", "demo", "notifications", "publication", "storage", "manifest")
OUTSIDE_PATH = re.compile(r"\.\./shared|shared/(DESIGN|register-format|TEAMS-NOTES|STYLE)")
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)#\s]+)(?:#[^)]*)?\)")


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(TOOLS / tool), *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_lower_rooms_never_import_higher_ones() -> None:
    """import-linter keeps every contract in pyproject.toml (layers, botbuilder at the edge, pure domain)."""
    result = run("lint-imports", "--no-cache")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_domain_imports_only_the_standard_library() -> None:
    """Any import in domain/ is the standard library or domain itself, whatever new dependency appears."""
    strays = []
    for path in sorted((ROOT / "domain").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
            for name in names:
                top = name.split(".")[0]
                if top != "domain" and top not in sys.stdlib_module_names and top != "__future__":
                    strays.append(f"{path.relative_to(ROOT)}: {name}")
    assert strays == []


def test_ruff_finds_nothing() -> None:
    """pyflakes, isort, bugbear and pyupgrade rules (pyproject.toml) are clean across the tree."""
    result = run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.mark.parametrize("packages", [("domain", "storage", "demo", "notifications", "publication"), ("bot", "dialogs")],
                         ids=["strict", "checked"])
def test_mypy_is_clean(packages: tuple[str, ...]) -> None:
    """mypy: strict on the lower rooms (pyproject.toml overrides), checked on the edge."""
    result = run("mypy", "--no-incremental", *packages)
    assert result.returncode == 0, result.stdout[-4000:]


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / line for line in listed.splitlines() if line]


def test_nothing_refers_to_a_path_outside_the_repository() -> None:
    """Someone who clones the project can read everything it cites: no paths into folders beside the repository."""
    own = Path(__file__).resolve()
    found = []
    for path in tracked_files():
        if path.suffix not in {".py", ".md", ".toml", ".txt", ".json", ".ini", ".cfg", ""} or path == own or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in OUTSIDE_PATH.finditer(text)]
    assert found == []


def test_every_link_in_the_readme_and_docs_resolves() -> None:
    """Relative links in README.md and docs/*.md point at files that exist in the repository."""
    broken = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for target in MARKDOWN_LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto: — not files
            if not (page.parent / target).resolve().exists():
                broken.append(f"{page.relative_to(ROOT)} → {target}")
    assert broken == []


def test_every_room_says_what_it_is_for() -> None:
    """Each package's __init__ has a docstring saying what it holds and what it may import."""
    missing = []
    for init in sorted(p for room in ROOMS for p in (ROOT / room).rglob("__init__.py") if "migrations" not in p.parts):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        if "May import" not in doc:
            missing.append(str(init.relative_to(ROOT)))
    assert missing == []
