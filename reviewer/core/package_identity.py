"""Who a partial package says it comes from: a title the sender chose and an id of its own.

A case's title can name a place or an operation the sender does not share, and its id
ties a package to every other package the case ever made. A partial package (export
--incident) carries neither:

- its title is the one the sender chose (the default: the titles of the incidents it
  holds, which travel anyway);
- its id is `partial_package_id(case id)`: derived from the case's by SHA-256 under a
  label of its own, so the case's id cannot be got back from it, yet the same for every
  partial package of one case, so that a recipient's "history rewritten since" check
  (head_signature.history_rewritten) still links the packages it merged from that case.
- the signed head inside it is signed again by the exporter over the package's id (the
  case's own head signature covers the case's id, which stays home).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

_DOMAIN = b"evidence-reviewer partial package of case\n"
TITLE_LIMIT = 200


def partial_package_id(case_id: str) -> str:
    """The id every partial package of the case `case_id` carries instead of it."""
    digest = hashlib.sha256(_DOMAIN + case_id.encode("utf-8")).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))


def default_package_title(incident_titles: Sequence[str]) -> str:
    """The shared incidents' titles (they travel anyway), shortened when there are many."""
    titles = [t.strip() for t in incident_titles if t.strip()]
    if not titles:
        return "Shared incidents"
    text = "; ".join(titles[:3]) + (f" and {len(titles) - 3} more" if len(titles) > 3 else "")
    return text if len(text) <= TITLE_LIMIT else text[:TITLE_LIMIT - 1] + "…"


def checked_title(title: str) -> str | None:
    """The title as it will travel, or None when it cannot (empty, or over the limit)."""
    title = " ".join(title.split())
    return title if 0 < len(title) <= TITLE_LIMIT else None
