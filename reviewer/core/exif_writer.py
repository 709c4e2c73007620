"""Write camera-like EXIF with Pillow: for generated photos (demo case, tests, benchmarks).

The app never writes EXIF into evidence; this makes the stand-ins it generates carry
what a phone or camera would (make, model, capture time and offset, GPS).
"""

from __future__ import annotations

from datetime import datetime

from PIL import ExifTags, Image


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return degrees, minutes, round((value - degrees - minutes / 60) * 3600, 4)


def camera_exif(
    make: str, model: str, taken: datetime | None, offset: str | None,
    gps: tuple[float, float, float] | None, orientation: int = 1,
) -> Image.Exif:
    """EXIF with camera, capture time (and UTC offset), GPS latitude/longitude/altitude."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = make
    exif[ExifTags.Base.Model] = model
    exif[ExifTags.Base.Orientation] = orientation
    if taken is not None:
        stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
        exif[ExifTags.Base.DateTime] = stamp
        ifd = exif.get_ifd(ExifTags.IFD.Exif)
        ifd[ExifTags.Base.DateTimeOriginal] = stamp
        if offset:
            ifd[ExifTags.Base.OffsetTimeOriginal] = offset
    if gps is not None:
        lat, lon, alt = gps
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps_ifd[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        gps_ifd[ExifTags.GPS.GPSLatitude] = _dms(lat)
        gps_ifd[ExifTags.GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        gps_ifd[ExifTags.GPS.GPSLongitude] = _dms(lon)
        gps_ifd[ExifTags.GPS.GPSAltitudeRef] = 0 if alt >= 0 else 1
        gps_ifd[ExifTags.GPS.GPSAltitude] = abs(alt)
    return exif
