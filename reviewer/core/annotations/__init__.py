"""Tags as training data and as metadata other photo tools show.

`export_annotations` (export.py) gathers the tagged images (dataset.py), writes upright
copies of them (images.py) and hands the lot to one small writer per format: COCO JSON,
YOLO, Pascal VOC, CVAT for images, XMP sidecars. Coordinates everywhere are the pixels
of the image as the investigator saw it (EXIF orientation applied), which is why the
copies are written upright: these formats' readers ignore EXIF orientation.
"""
