"""The demo's tags: the regions drawn on each photo, in its displayed pixels."""

from __future__ import annotations

from typing import Any

from reviewer.demo.colonnade_plan import colonnade_layout

Region = tuple[str, str, dict[str, Any], str]   # label, shape, geometry, note


def _box(label: str, box: tuple[float, ...], note: str) -> Region:
    return label, "rect", {"x": box[0], "y": box[1], "w": box[2], "h": box[3]}, note


def _colonnade_regions() -> tuple[list[Region], list[Region]]:
    layout = colonnade_layout()
    standing = [_box("standing column", box, f"column {i + 1} from the left")
                for i, box in enumerate(layout.columns_before)]
    toppled = [("toppled column", "polygon", {"points": [list(p) for p in outline]},
                f"column {i + 1} from the left: stump, drums and capital on the ground")
               for i, outline in zip(layout.toppled, layout.toppled_after, strict=True)]
    return standing, toppled
