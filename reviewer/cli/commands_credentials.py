"""`reviewer save-copy`: a frame or derived picture written for sharing, with Content
Credentials signed by the investigator's key (docs/credentials.md).

Exit codes: 0 written; 2 usage error, unknown id, an original (share it as it is), or a
file that cannot be written.
"""

from __future__ import annotations

import argparse

from reviewer.cli.support import OK, opened_case
from reviewer.cli.terminal import print_json
from reviewer.core.credentials_out import PROVES
from reviewer.core.credentials_share import save_shared_copy
from reviewer.core.evidence import get_evidence


def cmd_save_copy(args: argparse.Namespace) -> int:
    with opened_case(args) as case:
        item = get_evidence(case, args.evidence_id)
        copy = save_shared_copy(case, item.id, args.out)
    if args.json:
        print_json({"id": item.id, "path": str(copy.path), "sha256": copy.sha256,
                    "bytes": copy.bytes, "actions": copy.actions, "proves": PROVES})
    else:
        print(f"Wrote {copy.path} ({copy.bytes:,} bytes, SHA-256 {copy.sha256}) with Content"
              f" Credentials: {PROVES}.")
    return OK


HANDLERS = {"save-copy": cmd_save_copy}
