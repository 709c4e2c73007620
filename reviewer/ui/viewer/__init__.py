"""The image viewer: a photo with its regions, for drawing and editing tags.

`ImageView` is the widget; `RegionDisplay` is the plain data the window gives it.
Nothing here knows about cases or the database.
"""

from reviewer.ui.viewer.image_view import ImageView
from reviewer.ui.viewer.region_items import RegionDisplay
from reviewer.ui.viewer.suggestion_layer import SuggestionDisplay

__all__ = ["ImageView", "RegionDisplay", "SuggestionDisplay"]
