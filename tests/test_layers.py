"""The layering the house rules name, checked on the code as it is: core has no front end
and no Qt in it, the app does not reach into the command line, and no module of
`reviewer` imports itself round a circle (a circle is what made the CLI's handlers depend
on their registration order)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[1]

LINT = ("import sys\n"
        "from importlinter.cli import lint_imports\n"
        "sys.exit(lint_imports(no_cache=True, no_logo=True))")


def test_import_contracts_in_pyproject_are_kept():
    """`lint-imports` with pyproject's contracts (core without ui, cli or Qt; ui without
    cli), run on this checkout."""
    result = subprocess.run([sys.executable, "-c", LINT], cwd=REPO, capture_output=True,
                            text=True, timeout=300, env={"PYTHONPATH": str(REPO),
                                                         "PATH": "/usr/bin:/bin"})
    output = result.stdout + result.stderr
    assert "reviewer.core works without the front ends and without Qt KEPT" in output, output
    assert "The desktop app does not reach into the command line KEPT" in output, output
    assert result.returncode == 0, output


def _strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that import each other round a circle (Tarjan, without recursion)."""
    inside = {module for module in graph.modules if module.split(".")[0] == "reviewer"}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for root in sorted(inside):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & inside)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(
                        graph.find_modules_directly_imported_by(successor) & inside))))
                    break
                if successor in on_stack:
                    low[module] = min(low[module], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == module:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return groups


def _one_cycle(graph: grimp.ImportGraph, group: list[str]) -> str:
    """One circle through the group, named module by module."""
    start = group[0]
    step = sorted(graph.find_modules_directly_imported_by(start) & set(group))[0]
    back = graph.find_shortest_chain(importer=step, imported=start)
    return " -> ".join((start, *back))


def test_no_import_cycles_inside_reviewer():
    """Imports inside functions count too: a lazy import that closes a circle only hides
    it. Imports under `if TYPE_CHECKING:` do not run and do not count."""
    sys.path.insert(0, str(REPO))
    try:
        graph = grimp.build_graph("reviewer", exclude_type_checking_imports=True)
    finally:
        sys.path.remove(str(REPO))
    cycles = [_one_cycle(graph, group) for group in _strongly_connected(graph)]
    assert cycles == [], "import cycles: " + "; ".join(cycles)


def _sources(package: str) -> dict[str, str]:
    return {path.relative_to(REPO).as_posix(): path.read_text(encoding="utf-8")
            for path in (REPO / "reviewer" / package).rglob("*.py")}


def test_the_app_reads_and_writes_the_case_only_through_core():
    """No SQL in reviewer/ui: a query there would dodge Case.write() and its audit."""
    found = [name for name, text in _sources("ui").items()
             if ".conn." in text or ".execute(" in text or "sqlite3" in text]
    assert found == []


# Where a rename is not the atomic helper's, and why: the media store places a temporary
# copy only when the transaction that records it commits; an export links the package
# into place so that an existing file is never replaced without --force; an unpacked case
# is a folder, filled and opened under its temporary name (temporary_beside) first.
OWN_RENAMES = {"reviewer/core/atomic.py", "reviewer/core/media_store.py",
               "reviewer/core/export.py", "reviewer/core/unpack.py"}


def test_every_writer_renames_through_the_atomic_helper():
    sources = {**_sources("core"), **_sources("ui"), **_sources("cli"), **_sources("demo")}
    renaming = sorted(name for name, text in sources.items()
                      if ("os.replace(" in text or ".rename(" in text) and name not in OWN_RENAMES)
    assert renaming == []
    unwritten = [name for name, text in sources.items()
                 if "with_name(f\".{" in text and name != "reviewer/core/atomic.py"]
    assert unwritten == []   # temporary names come from atomic.temporary_beside


def test_background_jobs_start_only_through_the_one_runner():
    """Import, frames, export, merge, verify, unpack, keeping a frame and the comparison
    window's alignment all start through workers.Jobs.run, which keeps each job until it
    ends and routes its result; a job started by hand could be collected mid-run."""
    starting = sorted(name for name, text in _sources("ui").items()
                      if name != "reviewer/ui/workers.py"
                      and re.search(r"from reviewer\.ui\.workers import [^\n]*\bstart\b", text))
    assert starting == []
    runs = {name for name, text in _sources("ui").items() if "Jobs()" in text}
    assert runs == {"reviewer/ui/job_runner.py", "reviewer/ui/workspace.py",
                    "reviewer/ui/compare/compare_window.py", "reviewer/ui/map/panes.py"}
