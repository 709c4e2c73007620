"""Evidence Reviewer: review, tag and share photo and video evidence."""

__version__ = "0.1.0"
