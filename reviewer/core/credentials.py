"""An item's Content Credentials as the case holds them, and the one line that says them.

The rows are written at import (credentials_in.py). `describe` is the sentence the
metadata panel, `reviewer show` and the report all print, so the three never differ.
"""

from __future__ import annotations

import json
from typing import Any

from reviewer.core.case import Case, Transaction
from reviewer.core.credentials_in import STATES, UNTRUSTED_CODE

# What a filter on credentials may ask for: any state, any credentials, or none.
FILTERS = ("any", "none", *STATES)

_STATE_WORDS = {
    "valid": "valid (signer on a trust list)",
    "untrusted": "valid signature, untrusted signer (on no trust list known here)",
    "invalid": "INVALID",
}


def credentials_of(case: Case | Transaction, evidence_id: str) -> list[dict[str, Any]]:
    """The item's credentials rows (C2PA first), `codes` as a list."""
    conn = case.conn
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'credentials'").fetchone():
        return []
    cursor = conn.execute("SELECT * FROM credentials WHERE evidence_id = ? ORDER BY standard",
                          (evidence_id,))
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, values, strict=True)) for values in cursor]
    for row in rows:
        try:
            row["codes"] = json.loads(row["codes"] or "[]")
        except ValueError:
            row["codes"] = []
    return rows


def describe(row: dict[str, Any]) -> str:
    """'Content Credentials: signed by ... at ..., untrusted' (or ProofMode's line)."""
    if row["standard"] == "proofmode":
        return _describe_proofmode(row)
    if row["state"] == "unreadable":
        return f"Content Credentials: present but not read: {row.get('reason')}"
    signer = row.get("signer") or "an unnamed signer"
    if row.get("issuer") and row["issuer"] != signer:
        signer += f" (issued by {row['issuer']})"
    when = f" at {row['signed_at']}" if row.get("signed_at") else " (no signing time attested)"
    verdict = _STATE_WORDS.get(row["state"], row["state"])
    failed = [c for c in row.get("codes") or [] if c != UNTRUSTED_CODE]
    if row["state"] == "invalid" and failed:
        verdict += f": {', '.join(failed)}"
    return f"Content Credentials: signed by {signer}{when}, {verdict}"


def _describe_proofmode(row: dict[str, Any]) -> str:
    """A checked bundle names its device key and says what that proves; an unchecked or
    unread one says why."""
    notes = row.get("reason") or "present"
    if row["state"] not in ("untrusted", "valid", "invalid"):
        return f"ProofMode bundle: {notes}; its proof file is kept"
    when = f" at {row['signed_at']}" if row.get("signed_at") else ""
    if row["state"] == "invalid":
        verdict = f"INVALID: {', '.join(row.get('codes') or []) or 'failed'}"
    elif row["state"] == "valid":
        verdict = "valid (device key trusted here)"
    else:
        verdict = ("valid signature, untrusted signer (the device's own key: it proves the"
                   " file is what that device signed, not who holds the device)")
    return (f"ProofMode bundle: signed by {row.get('signer') or 'an unnamed key'}{when},"
            f" {verdict}; {notes}; its proof file is kept")


def filter_clause(wanted: str) -> tuple[str, list[Any]]:
    """The SQL condition on evidence `e` for a credentials filter (see FILTERS)."""
    if wanted == "any":
        return "EXISTS (SELECT 1 FROM credentials c WHERE c.evidence_id = e.id)", []
    if wanted == "none":
        return "NOT EXISTS (SELECT 1 FROM credentials c WHERE c.evidence_id = e.id)", []
    return ("EXISTS (SELECT 1 FROM credentials c WHERE c.evidence_id = e.id"
            " AND c.state = ?)", [wanted])
