"""`reviewer key new|list|export|import|trust|rename`: one's own key and colleagues' keys."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from reviewer.cli.terminal import Column, print_json, table
from reviewer.core import keys
from reviewer.core.clock import default_actor
from reviewer.core.errors import ReviewerError

OK = 0

# Commands that only read a case never need the key unlocked.
READ_ONLY = {"list", "show", "verify", "comparisons", "key"}


def unlock_for(args: argparse.Namespace) -> None:
    """Ask a person at a terminal for the passphrase before a command that writes; a script
    without one gets the one-line error at the write instead of a prompt that never ends."""
    if args.command in READ_ONLY or os.environ.get(keys.PASSPHRASE_ENV):
        return
    if not (keys.has_identity() and keys.key_is_encrypted() and sys.stdin.isatty()):
        return
    keys.load_identity(getpass.getpass(f"Passphrase for {keys.key_path()}: "))


def _passphrase() -> str:
    if not sys.stdin.isatty():
        secret = os.environ.get(keys.PASSPHRASE_ENV, "")
        if not secret:
            raise ReviewerError(None, f"--passphrase without a terminal reads the passphrase"
                                      f" from ${keys.PASSPHRASE_ENV}, which is not set")
        return secret
    first = getpass.getpass("New passphrase: ")
    if first != getpass.getpass("The same again: "):
        raise ReviewerError(None, "the passphrases differ; no key was made")
    return first


def cmd_key(args: argparse.Namespace) -> int:
    return KEY_ACTIONS[args.key_command](args)


def _new(args: argparse.Namespace) -> int:
    passphrase = _passphrase() if args.passphrase else None
    identity = keys.create_identity(args.name or args.actor or keys.identity_name()
                                    or default_actor(), passphrase, replace=args.force)
    info = {"name": identity.name, "fingerprint": identity.fingerprint,
            "path": str(keys.key_path()), "passphrase": bool(passphrase)}
    if args.json:
        print_json(info)
    else:
        print(f"Made the key of {identity.name} ({identity.fingerprint}) in {info['path']}.")
    return OK


def _list(args: argparse.Namespace) -> int:
    rows = []
    if keys.has_identity():
        rows.append({"fingerprint": _own_fingerprint(), "name": keys.identity_name() or "",
                     "trust": keys.YOURS})
    for fingerprint, entry in sorted(keys.keyring().items(), key=lambda e: e[1].get("name", "")):
        rows.append({"fingerprint": fingerprint, "name": entry.get("name", ""),
                     "trust": keys.TRUSTED if entry.get("trusted") else keys.UNTRUSTED})
    if args.json:
        print_json(rows)
    elif not rows:
        print("No keys yet: the first change to a case makes yours (or: reviewer key new).")
    else:
        for line in table([Column("Fingerprint"), Column("Name", cap=40), Column("Trust")],
                          [[r["fingerprint"], r["name"], r["trust"]] for r in rows]):
            print(line)
    return OK


def _own_fingerprint() -> str:
    path = keys.config_dir() / keys.IDENTITY_FILE
    try:
        return str(json.loads(path.read_text("utf-8")).get("fingerprint", ""))
    except (OSError, ValueError):
        return ""


def _export(args: argparse.Namespace) -> int:
    identity = keys.ensure_identity(args.actor)
    text = identity.public_key_file()
    if args.out:
        Path(args.out).write_text(text, "utf-8")
        print(f"Wrote the public key of {identity.name} ({identity.fingerprint}) to {args.out}.")
    else:
        sys.stdout.write(text)
    return OK


def _import(args: argparse.Namespace) -> int:
    try:
        text = Path(args.file).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise keys.KeyFileError(args.file, f"cannot read: {getattr(error, 'strerror', error)}"
                                ) from error
    try:
        entry = keys.import_public_key(text, args.name, trusted=args.trust)
    except keys.KeyFileError as error:
        raise keys.KeyFileError(args.file, error.reason) from error
    if args.json:
        print_json(entry)
    else:
        trust = "trusted" if entry["trusted"] else "not trusted yet (reviewer key trust FP)"
        print(f"Added the key of {entry['name']} ({entry['fingerprint']}): {trust}.")
    return OK


def _trust(args: argparse.Namespace) -> int:
    entry = keys.trust_key(args.fingerprint, not args.revoke)
    word = "trusted" if entry["trusted"] else "no longer trusted"
    print(f"The key of {entry['name']} ({entry['fingerprint']}) is {word}.")
    return OK


def _rename(args: argparse.Namespace) -> int:
    keys.ensure_identity(args.name)
    keys.rename_identity(args.name)
    print(f"Your key now signs as {args.name}.")
    return OK


KEY_ACTIONS: dict[str, Callable[[argparse.Namespace], int]] = {
    "new": _new, "list": _list, "export": _export, "import": _import, "trust": _trust,
    "rename": _rename,
}


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {"key": cmd_key}
