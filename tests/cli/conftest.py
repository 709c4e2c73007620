"""Fixtures for the command-line tests (helpers live in cli_support.py)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

# test_cli.py imports its helpers from cli_support.py, next to this file, in any import mode.
sys.path.insert(0, str(Path(__file__).parent))

from cli_support import Cli, read_tsv


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    work = tmp_path / "work"
    work.mkdir()
    return Cli(work)


@pytest.fixture
def new_case(cli: Cli, tmp_path: Path):
    """`new_case("name")` makes a case through the CLI and returns its folder (absolute)."""

    def make(name: str = "case") -> Path:
        created = cli("new", tmp_path / name, "--json").json()
        folder = Path(created["path"])
        assert folder == tmp_path / f"{name}.case" and (folder / "case.sqlite").is_file()
        return folder

    return make


@pytest.fixture
def expected(corpus: Path) -> dict[str, dict[str, str]]:
    """The corpus's expected.tsv (values read by exiftool), by relative path."""
    return {row["path"]: row for row in read_tsv(corpus / "expected.tsv")}


@pytest.fixture
def manifest(corpus: Path) -> dict[str, dict[str, str]]:
    return {row["relative_path"]: row for row in read_tsv(corpus / "MANIFEST.tsv")}


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory) -> Path:
    """The demo case (`reviewer demo`), built once for the session; copy it to change it."""
    folder = tmp_path_factory.mktemp("cli-demo")
    Cli(folder)("demo", folder, "--actor", "Demo team")   # a key named, not the login
    return folder / "demo.case"


@pytest.fixture
def demo_case(demo_master: Path, tmp_path: Path) -> Path:
    """A private copy of the demo case (its folder)."""
    return Path(shutil.copytree(demo_master, tmp_path / "demo.case"))
