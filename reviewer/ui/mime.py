"""Drag-and-drop payloads between our views: JSON lists of ids."""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData

REGIONS = "application/x-reviewer-regions"
EVIDENCE = "application/x-reviewer-evidence"


def pack(kind: str, ids: list[str]) -> QMimeData:
    data = QMimeData()
    data.setData(kind, json.dumps(ids).encode())
    return data


def unpack(data: QMimeData, kind: str) -> list[str]:
    if not data.hasFormat(kind):
        return []
    try:
        ids = json.loads(bytes(data.data(kind)).decode())
    except ValueError:
        return []
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
