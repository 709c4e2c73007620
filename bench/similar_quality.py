"""How well do perceptual hashes find copies of a picture, and only those?

Takes the corpus photos (../shared/corpus), makes variants of each in a temporary
folder (never kept: JPEG quality 30-95, resized 25-200 %, cropped up to 15 %,
screenshot-like re-renders with borders, colour shifts), hashes every original and
variant the way an import does (reduced-scale decode, then reviewer.core.phash), and
prints, for each threshold, precision and recall over every (variant, original)
pair: a pair is a true copy when the variant was made from that original. Photos of
one scene (the corpus's orientation set, the C2PA pair) count as one source.
A measurement, not a test: it exits 0 whatever the result.

    python bench/similar_quality.py [--corpus DIR] [--thresholds 4,6,8,...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reviewer.core import imaging, phash
from reviewer.core.errors import MediaError

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FOLDERS = ("photos_gps", "photos_misc", "faces", "c2pa")
MIN_SIDE = 64     # thumbnails of icons (16x16, 1x1) say nothing about a method
# Pictures of one scene in the corpus, kept as one source.
SAME_SCENE = {"photos_misc/orientation/": "orientation", "c2pa/": "c2pa"}


def _crop(share: float, side: str) -> Callable[[Image.Image], Image.Image]:
    def crop(image: Image.Image) -> Image.Image:
        w, h = image.size
        dx, dy = int(w * share), int(h * share)
        box = {"left": (dx, 0, w, h), "right": (0, 0, w - dx, h), "top": (0, dy, w, h),
               "all": (dx // 2, dy // 2, w - dx // 2, h - dy // 2),
               "corner": (dx, dy, w, h)}[side]
        return image.crop(box)
    return crop


def _resize(scale: float) -> Callable[[Image.Image], Image.Image]:
    def resize(image: Image.Image) -> Image.Image:
        w, h = image.size
        return image.resize((max(8, int(w * scale)), max(8, int(h * scale))),
                            Image.Resampling.LANCZOS)
    return resize


def _screenshot(colour: tuple[int, int, int], bar: int) -> Callable[[Image.Image], Image.Image]:
    """The picture shown at a screen's size inside borders, with an app bar on top."""
    def render(image: Image.Image) -> Image.Image:
        screen_w, screen_h = 1080, 1920 if image.height > image.width else 1280
        # Fitted to the screen, as a phone shows a picture (small ones are enlarged).
        scale = min(screen_w / image.width, (screen_h - 2 * bar) / image.height)
        inner = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))),
                             Image.Resampling.BILINEAR)
        canvas = Image.new("RGB", (screen_w, screen_h), colour)
        canvas.paste(inner, ((screen_w - inner.width) // 2, (screen_h - inner.height) // 2))
        draw = ImageDraw.Draw(canvas)
        draw.rectangle((0, 0, screen_w, bar), fill=(40, 40, 40))
        draw.text((20, bar // 3), "12:41  Forwarded", fill=(230, 230, 230))
        return canvas
    return render


def _colour(kind: str) -> Callable[[Image.Image], Image.Image]:
    def shift(image: Image.Image) -> Image.Image:
        if kind == "brighter":
            return ImageEnhance.Brightness(image).enhance(1.3)
        if kind == "contrast":
            return ImageEnhance.Contrast(image).enhance(0.7)
        if kind == "saturated":
            return ImageEnhance.Color(image).enhance(1.8)
        if kind == "grey":
            return ImageOps.grayscale(image).convert("RGB")
        r, g, b = image.split()   # warm tint
        return Image.merge("RGB", (r.point(lambda v: min(255, v + 25)), g,
                                   b.point(lambda v: max(0, v - 25))))
    return shift


VARIANTS: dict[str, tuple[Callable[[Image.Image], Image.Image], int]] = {
    # name: (transform, JPEG quality it is saved at)
    "q30": (lambda i: i, 30), "q60": (lambda i: i, 60), "q95": (lambda i: i, 95),
    "resize25": (_resize(0.25), 85), "resize50": (_resize(0.5), 85),
    "resize200": (_resize(2.0), 85),
    "crop5-left": (_crop(0.05, "left"), 85), "crop10-top": (_crop(0.10, "top"), 85),
    "crop15-right": (_crop(0.15, "right"), 85), "crop15-all": (_crop(0.15, "all"), 85),
    "crop10-corner": (_crop(0.10, "corner"), 85),
    "screenshot-black": (_screenshot((0, 0, 0), 90), 80),
    "screenshot-white": (_screenshot((255, 255, 255), 120), 80),
    "brighter": (_colour("brighter"), 85), "contrast": (_colour("contrast"), 85),
    "saturated": (_colour("saturated"), 85), "grey": (_colour("grey"), 85),
    "warm": (_colour("warm"), 85),
    "resize50-q40-crop8": (lambda i: _crop(0.08, "left")(_resize(0.5)(i)), 40),
}


def source_of(relative: str) -> str:
    return next((scene for prefix, scene in SAME_SCENE.items() if relative.startswith(prefix)),
                relative)


def hash_path(path: Path) -> phash.PictureHash:
    with imaging.open_image(path) as image:
        info = imaging.image_info(image)
        picture = phash.hash_image(imaging.decode_small(path, image, info))
    if picture is None:
        raise MediaError(path, "too small or flat to compare")
    return picture


def load_upright(path: Path) -> Image.Image:
    with imaging.open_image(path) as image:
        info = imaging.image_info(image)
        image.load()
        upright = imaging.orient(imaging.to_displayable(image), info.pixel_orientation)
        return upright.convert("RGB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--thresholds", default="4,6,8,10,12,14,16,18,20")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    thresholds = [int(t) for t in args.thresholds.split(",")]

    originals: dict[str, tuple[str, phash.PictureHash]] = {}
    variants: list[tuple[str, str, phash.PictureHash | None]] = []   # name, source, hash
    with tempfile.TemporaryDirectory(prefix="reviewer-similar-") as scratch:
        for folder in FOLDERS:
            for path in sorted((args.corpus / folder).rglob("*")):
                if not path.is_file():
                    continue
                relative = str(path.relative_to(args.corpus))
                try:
                    picture = load_upright(path)
                    if min(picture.size) < MIN_SIDE:
                        continue
                    originals[relative] = (source_of(relative), hash_path(path))
                except (MediaError, OSError):
                    continue
                if picture.width * picture.height > 4_000_000:
                    picture.thumbnail((2400, 2400))   # a forwarded copy, and bench speed
                for name, (transform, quality) in VARIANTS.items():
                    target = Path(scratch) / f"{len(variants)}.jpg"
                    transform(picture).convert("RGB").save(target, "JPEG", quality=quality)
                    try:
                        variant_hash: phash.PictureHash | None = hash_path(target)
                    except MediaError:   # too flat to hash: a copy not found
                        variant_hash = None
                    variants.append((f"{relative} {name}", source_of(relative), variant_hash))
                    target.unlink()

    positives: list[tuple[int, str]] = []
    negatives: list[tuple[int, str]] = []
    for name, source, variant_hash in variants:
        for relative, (original_source, original_hash) in originals.items():
            distance = 65 if variant_hash is None else variant_hash.distance(original_hash)
            (positives if source == original_source else negatives).append(
                (distance, f"{name} ~ {relative}"))
    print(f"{len(originals)} originals, {len(variants)} variants "
          f"({len(VARIANTS)} kinds each), {len(positives)} copy pairs, "
          f"{len(negatives)} unrelated pairs")
    print(f"{'threshold':>9} {'precision':>9} {'recall':>7} {'TP':>6} {'FP':>6} {'FN':>6}")
    for threshold in thresholds:
        tp = sum(1 for d, _ in positives if d <= threshold)
        fp = sum(1 for d, _ in negatives if d <= threshold)
        fn = len(positives) - tp
        precision = tp / (tp + fp) if tp + fp else 1.0
        print(f"{threshold:>9} {precision:>9.3f} {tp / len(positives):>7.3f}"
              f" {tp:>6} {fp:>6} {fn:>6}")
    by_kind: dict[str, list[int]] = {}
    for distance, label in positives:
        by_kind.setdefault(label.split(" ~ ")[0].split(" ")[-1], []).append(distance)
    print("recall by variant at the default threshold"
          f" ({phash.DEFAULT_THRESHOLD}):")
    for kind, distances in by_kind.items():
        found = sum(1 for d in distances if d <= phash.DEFAULT_THRESHOLD)
        print(f"  {kind:<20} {found}/{len(distances)}  (median distance"
              f" {sorted(distances)[len(distances) // 2]})")
    if args.show_misses:
        for distance, label in sorted(positives, reverse=True)[:20]:
            print(f"  miss? {distance:>2} {label}")
        for distance, label in sorted(negatives)[:20]:
            print(f"  near  {distance:>2} {label}")


if __name__ == "__main__":
    main()
