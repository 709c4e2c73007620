"""Fixtures for the core tests; the package tests' helpers live in package_support.py."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from package_support import demo, demo_master  # noqa: F401
