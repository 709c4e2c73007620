"""The package's offline HTML report: incidents, their tags as crops, items, audit summary.

Rendered with Jinja2 from `resources/report/index.html.j2` with autoescaping on, so a
note or label holding HTML shows as text. Images are files beside the page
(`report/img/`), made with Pillow from the originals with EXIF orientation applied:
the report opens in any browser with no network.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from typing import Any

import jinja2
from markupsafe import Markup
from PIL import Image, ImageDraw, ImageFont

from reviewer.core.audit import check_chain
from reviewer.core.bidi import escape_controls
from reviewer.core.case import Case
from reviewer.core.compare_export import describe_alignment
from reviewer.core.compare_render import render_comparison
from reviewer.core.comparisons import item_pixels, list_comparisons
from reviewer.core.credentials import credentials_of
from reviewer.core.credentials import describe as describe_credentials
from reviewer.core.errors import MediaError, ValidationError
from reviewer.core.evidence import Evidence, camera_name, list_evidence, media_path
from reviewer.core.imaging import (
    decode_pixels,
    decode_thumbnail,
    image_info,
    open_image,
    orient,
    to_displayable,
    turn,
)
from reviewer.core.incidents import incident_evidence_ids, incident_region_ids, list_incidents
from reviewer.core.provenance import add_provenance, verification_groups
from reviewer.core.regions import Region, list_regions
from reviewer.core.resources import resource
from reviewer.core.vocabulary import munitions_of

CROP_MAX = 480
THUMB = 320
_IMAGE_KINDS = ("photo", "frame", "derived")
COMPARISON_WIDTH = 1200
COMPARISON_VIEWS = {"side": "Side by side", "difference": "Difference (changed areas in red)"}


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: resource(f"report/{name}").read_text("utf-8")),
        autoescape=True, undefined=jinja2.StrictUndefined)
    # User text is isolated (`|bdi`), or its bidi controls shown (`|visible`) where no
    # element can go: a right-to-left override must not reorder the text around it.
    environment.filters["bdi"] = _bdi
    environment.filters["visible"] = escape_controls
    return environment


def _bdi(value: object) -> Markup:
    return Markup('<bdi dir="auto">{}</bdi>').format(value)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):   # Pillow built without FreeType
        return ImageFont.load_default()


def _displayed(case: Case, item: Evidence) -> Image.Image:
    path = media_path(case, item)
    if item.damaged:     # the pixels that decode of an item kept damaged
        return Image.fromarray(decode_pixels(path, item.display_rotation, damaged=True))
    image = open_image(path)
    info = image_info(image)
    image.load()
    return turn(orient(to_displayable(image), info.pixel_orientation),
                item.display_rotation)


def _colour(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def draw_crop(image: Image.Image, region: Region, colour: str) -> Image.Image:
    """The region's surroundings with its outline and label drawn, at most CROP_MAX wide."""
    x, y, w, h = region.bbox
    margin = max(24.0, 0.15 * max(w, h))
    left, top = max(0, int(x - margin)), max(0, int(y - margin))
    right = min(image.width, int(x + w + margin) + 1)
    bottom = min(image.height, int(y + h + margin) + 1)
    crop = image.crop((left, top, right, bottom)).convert("RGB")
    scale = min(1.0, CROP_MAX / max(crop.width, crop.height))
    if scale < 1:
        crop = crop.resize((max(1, round(crop.width * scale)), max(1, round(crop.height * scale))),
                           Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(crop)
    rgb = _colour(colour)
    line = max(2, round(3 * scale))

    def at(px: float, py: float) -> tuple[float, float]:
        return ((px - left) * scale, (py - top) * scale)

    shape = region.shape_value
    if shape.is_marker:
        cx, cy = at(*shape.vertices()[0])
        draw.ellipse([cx - 6, cy - 6, cx + 6, cy + 6], outline=rgb, width=line)
    else:
        points = [at(px, py) for px, py in shape.vertices()]
        draw.line([*points, points[0]], fill=rgb, width=line, joint="curve")
    font = _font(14)
    box = draw.textbbox((4, 4), region.label, font=font)
    draw.rectangle([box[0] - 3, box[1] - 3, box[2] + 3, box[3] + 3], fill=rgb)
    text = (0, 0, 0) if sum(rgb) > 380 else (255, 255, 255)
    draw.text((4, 4), region.label, fill=text, font=font)
    return crop


def _thumbnail(case: Case, item: Evidence) -> bytes | None:
    try:
        path = media_path(case, item)
        if item.kind == "video":       # its first frame, as the app's browser shows it
            from reviewer.core.video import frame_at

            first = turn(Image.fromarray(frame_at(path, 0).image[:, :, ::-1]),
                         item.display_rotation)
            first.thumbnail((THUMB, THUMB))
            return _jpeg(first)
        if item.kind not in _IMAGE_KINDS:
            return None
        image = open_image(path)
        data = decode_thumbnail(path, image, image_info(image), THUMB)
        rotation = item.display_rotation
        if rotation and data:
            data = _jpeg(turn(Image.open(io.BytesIO(data)), rotation))
        return data
    except (MediaError, OSError):
        return None


def _comparison_pictures(view: Case, by_id: dict[str, Evidence],
                         comparisons: list[dict[str, Any]]) -> Iterator[tuple[str, bytes]]:
    """Each comparison drawn as the app exports it: side by side, and where it is aligned
    the difference view too; each gets `pictures` (name, caption) and `alignment`."""
    for entry in comparisons:
        comparison = entry["comparison"]
        before, after = by_id[comparison.before_id], by_id[comparison.after_id]
        entry["alignment"] = describe_alignment(comparison)
        entry["pictures"], entry["problem"] = [], None
        try:
            pixels = item_pixels(view, before), item_pixels(view, after)
            modes = ("side", "difference") if comparison.aligned else ("side",)
            for mode in modes:
                picture = render_comparison(*pixels, comparison.transform, mode,
                                            COMPARISON_WIDTH)
                name = f"report/img/comparison-{comparison.id}-{mode}.jpg"
                yield name, _jpeg(picture)
                entry["pictures"].append((name.removeprefix("report/"), COMPARISON_VIEWS[mode]))
        except (MediaError, ValidationError, OSError) as error:
            entry["problem"] = str(error)


def _audit_summary(case: Case, package: dict[str, Any]) -> dict[str, Any]:
    rows = case.conn.execute("SELECT at, actor, action FROM audit ORDER BY seq").fetchall()
    tree = package.get("audit_tree") or {}
    # A partial history has gaps by design; each record carries its proof instead.
    problems = [] if tree.get("partial") else check_chain(case.conn)
    return {"partial": bool(tree.get("partial")), "of": tree.get("size", len(rows)),
            "root": tree.get("root", ""), "records": len(rows),
            "first_at": rows[0][0] if rows else None,
            "last_at": rows[-1][0] if rows else None, "intact": not problems,
            "problems": len(problems), "head": case.meta("audit_head") or "",
            "actors": Counter(r[1] for r in rows).most_common(),
            "actions": sorted(Counter(r[2] for r in rows).items())}


def render_report(view: Case, package: dict[str, Any], files: dict[str, str | None],
                  ) -> Iterator[tuple[str, bytes]]:
    """Yield the report's files (images first, `report/index.html` last) as (name, bytes).

    `view` reads the (pruned) snapshot while finding originals in the case folder;
    `files` maps an item's id to its path in the package, or None when not included.
    """
    evidence = {item.id: item for item in list_evidence(view)}
    # The template reads dicts: each item's columns plus what the report adds below.
    items = [item.to_json() for item in evidence.values()]
    by_id = {row["id"]: row for row in items}
    colours = dict(view.conn.execute("SELECT id, colour FROM labels").fetchall())
    regions = list_regions(view)
    crops: dict[str, str | None] = {}
    for evidence_id in dict.fromkeys(r.evidence_id for r in regions):
        item = evidence[evidence_id]
        try:
            image = _displayed(view, item) if item.kind in _IMAGE_KINDS else None
        except (MediaError, OSError):
            image = None
        for region in (r for r in regions if r.evidence_id == evidence_id):
            crops[region.id] = None
            if image is not None:
                name = f"report/img/tag-{region.id}.jpg"
                yield name, _jpeg(draw_crop(image, region, colours.get(region.label_id,
                                                                       "#ff0000")))
                crops[region.id] = name.removeprefix("report/")
    for row in items:
        data = _thumbnail(view, evidence[row["id"]])
        row["thumbnail"] = None
        if data:
            name = f"report/img/item-{row['id']}.jpg"
            yield name, data
            row["thumbnail"] = name.removeprefix("report/")
        row["camera"] = camera_name(row["make"], row["model"])
        row["parent_name"] = by_id[row["parent_id"]]["original_name"] if row["parent_id"] in \
            by_id else None
        row["file"] = files.get(row["id"])
        row["credentials"] = [describe_credentials(c) for c in credentials_of(view, row["id"])]
        row["missing"] = package["selection"]["media"] and not row["file"]
    region_by_id = {r.id: r for r in regions}
    for row in items:
        add_provenance(view, evidence[row["id"]], row)
        row["crops"] = [{**r.to_dict(), "image": crops.get(r.id)} for r in regions
                        if r.evidence_id == row["id"]]
    incidents = [incident.to_json() for incident in list_incidents(view)]
    for incident in incidents:
        incident["munition_list"] = munitions_of(incident.get("munitions"))
        incident["crops"] = [
            {**region_by_id[rid].to_dict(), "image": crops.get(rid),
             "original_name": by_id[region_by_id[rid].evidence_id]["original_name"]}
            for rid in incident_region_ids(view, incident["id"]) if rid in region_by_id]
        incident["whole_items"] = [by_id[eid] for eid in incident_evidence_ids(view, incident["id"])
                             if eid in by_id]
    comparisons = [{"comparison": c, "before": by_id[c.before_id], "after": by_id[c.after_id]}
                   for c in list_comparisons(view)
                   if c.before_id in by_id and c.after_id in by_id]
    yield from _comparison_pictures(view, evidence, comparisons)
    html = _environment().get_template("index.html.j2").render(
        case={"id": view.id, "title": view.title}, package=package,
        selection=package["selection"], items=items, incidents=incidents,
        region_count=len(regions), audit=_audit_summary(view, package),
        comparisons=comparisons, verification_groups=verification_groups(items))
    yield "report/index.html", html.encode("utf-8")
