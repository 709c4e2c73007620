"""The domain and the case file; no Qt anywhere."""

# First, before any core module imports OpenCV: its own and FFmpeg's log levels.
from reviewer.core import quiet as _quiet  # noqa: F401
