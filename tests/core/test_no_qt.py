"""reviewer.core must work where Qt is not installed: import every module with Qt blocked."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import reviewer.core

BLOCKER = """
import importlib.abc, sys
class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6'):
            raise ImportError('Qt is blocked: ' + name)
sys.meta_path.insert(0, NoQt())
import importlib
for name in sys.argv[1:]:
    importlib.import_module(name)
print('ok')
"""


def test_core_imports_without_qt():
    modules = [f"reviewer.core.{m.name}" for m in pkgutil.iter_modules(reviewer.core.__path__)]
    modules += ["reviewer.demo", "reviewer.cli", "reviewer.cli.commands"]
    assert len(modules) > 10
    result = subprocess.run([sys.executable, "-c", BLOCKER, *modules],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
