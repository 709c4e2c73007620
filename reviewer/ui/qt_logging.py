"""Keep Qt's image decoders' chatter off the terminal.

Opening a photo cut off in transfer makes libjpeg, through Qt, print "Corrupt JPEG data:
premature end of data segment" on stderr. The app already flags the item damaged and says
why, in its own words; the user's terminal is not the place. QT_LOGGING_RULES still turns
them back on (it is applied after these rules).
"""

from __future__ import annotations

from PySide6.QtCore import QLoggingCategory

QUIET_RULES = "qt.gui.imageio*=false"


def quiet_image_decoders() -> None:
    QLoggingCategory.setFilterRules(QUIET_RULES)
