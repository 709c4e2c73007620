"""XMP sidecars beside copies of the images, for digiKam, Lightroom and archives.

Every tag becomes an IPTC Photo Metadata `ImageRegion` (boundary in pixels of the copy;
the label as the region's name and as its role); boxes are also Metadata Working Group
`mwg-rs:RegionInfo` areas (normalised, centre-based, as MWG defines them). IPTC allows
rectangles, circles and polygons: a point is written as a circle of radius 1 pixel.
Labels become `dc:subject` keywords; the incidents' places `Iptc4xmpCore:Location` and
`Iptc4xmpExt:LocationShown` (name and GPS). The sidecar is NAME.xmp beside NAME.jpg,
the name Lightroom and exiftool look for; the same packet is embedded in the JPEG or PNG
copy (Lightroom reads a JPEG's own XMP, not a sidecar), replacing the XMP it held."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from reviewer.core.annotations.dataset import Dataset, Tag, TaggedImage
from reviewer.core.annotations.embed import EMBEDDERS, CannotEmbed
from reviewer.core.atomic import write_atomically
from reviewer.core.incidents import Incident

HOLDS_POINTS = True
IMAGE_FOLDER = "images"
POINT_RADIUS = 1

_NAMESPACES = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
    "mwg-rs": "http://www.metadataworkinggroup.com/schemas/regions/",
    "stArea": "http://ns.adobe.com/xmp/sType/Area#",
    "stDim": "http://ns.adobe.com/xap/1.0/sType/Dimensions#",
}


def _n(value: float) -> str:
    return f"{value:.6g}" if isinstance(value, float) and not value.is_integer() \
        else str(int(value))


def _alt(text: str) -> str:
    return f'<rdf:Alt><rdf:li xml:lang="x-default">{escape(text)}</rdf:li></rdf:Alt>'


def _element(name: str, value: str) -> str:
    return f"<{name}>{value}</{name}>"


def _boundary(tag: Tag) -> str:
    ext = "Iptc4xmpExt:"
    parts = [_element(f"{ext}rbUnit", "pixel")]
    if tag.shape.is_box:
        x, y, w, h = tag.shape.bounds()
        parts += [_element(f"{ext}rbShape", "rectangle"), _element(f"{ext}rbX", _n(x)),
                  _element(f"{ext}rbY", _n(y)), _element(f"{ext}rbW", _n(w)),
                  _element(f"{ext}rbH", _n(h))]
    elif tag.shape.is_marker:
        (x, y), = tag.shape.vertices()
        parts += [_element(f"{ext}rbShape", "circle"), _element(f"{ext}rbX", _n(x)),
                  _element(f"{ext}rbY", _n(y)), _element(f"{ext}rbRx", str(POINT_RADIUS))]
    else:
        vertices = "".join(
            f'<rdf:li rdf:parseType="Resource">{_element(f"{ext}rbX", _n(x))}'
            f'{_element(f"{ext}rbY", _n(y))}</rdf:li>' for x, y in tag.shape.vertices())
        parts += [_element(f"{ext}rbShape", "polygon"),
                  _element(f"{ext}rbVertices", f"<rdf:Seq>{vertices}</rdf:Seq>")]
    return f'<{ext}RegionBoundary rdf:parseType="Resource">{"".join(parts)}</{ext}RegionBoundary>'


def _image_region(tag: Tag) -> str:
    role = (f'<rdf:Bag><rdf:li rdf:parseType="Resource">'
            f'{_element("Iptc4xmpExt:Name", _alt(tag.label))}</rdf:li></rdf:Bag>')
    return (f'<rdf:li rdf:parseType="Resource">{_boundary(tag)}'
            f'{_element("Iptc4xmpExt:rId", escape(tag.region_id))}'
            f'{_element("Iptc4xmpExt:Name", _alt(tag.label))}'
            f'{_element("Iptc4xmpExt:rRole", role)}</rdf:li>')


def _mwg_regions(image: TaggedImage) -> str:
    items = []
    for tag in image.tags:
        if not tag.shape.is_box:
            continue
        x, y, w, h = tag.shape.bounds()
        area = "".join(_element(f"stArea:{key}", _n(value)) for key, value in (
            ("x", (x + w / 2) / image.width), ("y", (y + h / 2) / image.height),
            ("w", w / image.width), ("h", h / image.height)))
        items.append(f'<rdf:li rdf:parseType="Resource"><mwg-rs:Area rdf:parseType="Resource">'
                     f'{area}<stArea:unit>normalized</stArea:unit></mwg-rs:Area>'
                     f'{_element("mwg-rs:Name", escape(tag.label))}</rdf:li>')
    if not items:
        return ""
    dimensions = (f'<mwg-rs:AppliedToDimensions rdf:parseType="Resource">'
                  f'<stDim:w>{image.width}</stDim:w><stDim:h>{image.height}</stDim:h>'
                  f'<stDim:unit>pixel</stDim:unit></mwg-rs:AppliedToDimensions>')
    return (f'<mwg-rs:Regions rdf:parseType="Resource">{dimensions}<mwg-rs:RegionList>'
            f'<rdf:Bag>{"".join(items)}</rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions>')


def _gps(value: float, positive: str, negative: str) -> str:
    """XMP's GPS form, DDD,MM.mmmmmmK."""
    degrees = int(abs(value))
    minutes = (abs(value) - degrees) * 60
    return f"{degrees},{minutes:.6f}{positive if value >= 0 else negative}"


def _locations(incidents: list[Incident]) -> str:
    places = list(dict.fromkeys(i.place_name for i in incidents if i.place_name))
    parts = []
    if places:
        parts.append(_element("Iptc4xmpCore:Location", escape("; ".join(places))))
    shown = []
    for incident in incidents:
        fields = []
        if incident.place_name:
            fields.append(_element("Iptc4xmpExt:LocationName", _alt(incident.place_name)))
        if incident.lat is not None and incident.lon is not None:
            fields.append(_element("Iptc4xmpExt:GPSLatitude", _gps(incident.lat, "N", "S")))
            fields.append(_element("Iptc4xmpExt:GPSLongitude", _gps(incident.lon, "E", "W")))
        if fields:
            shown.append(f'<rdf:li rdf:parseType="Resource">{"".join(fields)}</rdf:li>')
    if shown:
        parts.append(_element("Iptc4xmpExt:LocationShown", f"<rdf:Bag>{''.join(shown)}</rdf:Bag>"))
    return "".join(parts)


def sidecar(image: TaggedImage) -> str:
    keywords = list(dict.fromkeys(tag.label for tag in image.tags))
    subject = "".join(f"<rdf:li>{escape(word)}</rdf:li>" for word in keywords)
    namespaces = " ".join(f"xmlns:{prefix}={quoteattr(uri)}"
                          for prefix, uri in _NAMESPACES.items())
    body = (f'{_element("dc:subject", f"<rdf:Bag>{subject}</rdf:Bag>") if subject else ""}'
            f'{_locations(image.incidents)}'
            f'{_element("Iptc4xmpExt:ImageRegion", "<rdf:Bag>" + "".join(_image_region(t) for t in image.tags) + "</rdf:Bag>")}'  # noqa: E501
            f'{_mwg_regions(image)}')
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
            ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
            f'  <rdf:Description rdf:about="" {namespaces}>\n   {body}\n  </rdf:Description>\n'
            ' </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end="w"?>\n')


def write(dataset: Dataset, out: Path) -> list[str]:
    """Sidecars, and the XMP embedded in each copy; the warnings (a copy it could not be
    embedded in keeps its sidecar)."""
    warnings = []
    for image in dataset.images:
        copy = out / IMAGE_FOLDER / image.file_name
        packet = sidecar(image).encode()
        write_atomically(copy.with_suffix(".xmp"), packet)
        embed = EMBEDDERS.get(copy.suffix)
        if embed is None:
            continue
        try:
            write_atomically(copy, embed(copy.read_bytes(), packet))
        except CannotEmbed as error:
            warnings.append(f"{image.file_name}: XMP not embedded ({error}); its sidecar"
                            " has it")
    return warnings
