"""What Content Credentials cost: reading at import, signing a shared copy.

    python bench/credentials_speed.py [--rounds 20]

Reading: `read_c2pa` on a file with no C2PA store (the common case: the store is sized
by walking the JPEG's segments, the library is not called) and on the corpus's signed
JPEG (the library reads and validates it), each against the baseline every import
already pays for that file: reading it once through SHA-256.

ProofMode: `read_proofmode` of a 12-MP JPEG bundle (its OpenPGP signature checked with
pysequoia against the bundle's pubkey.asc), against the same SHA-256 baseline.

Signing: `sign_derivative` of a 12-MP JPEG against writing the same bytes with the
atomic writer alone (what a shared copy cost before).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SIGNED = REPO.parent / "shared" / "corpus" / "c2pa" / "valid_manifest_test_cert.jpg"


def _median_ms(work: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="reviewer-credentials-bench-") as scratch:
        folder = Path(scratch)
        os.environ["REVIEWER_CONFIG_DIR"] = str(folder / "config")
        from reviewer.core.atomic import write_atomically
        from reviewer.core.credentials_in import read_c2pa
        from reviewer.core.credentials_out import Ingredient, action, region_change, sign_derivative
        from reviewer.core.keys import create_identity

        big = folder / "12mp.jpg"
        pixels = os.urandom(4000 * 3000 * 3 // 64) * 64   # compressible, but not flat
        Image.frombytes("RGB", (4000, 3000), pixels).save(big, "JPEG", quality=90)
        print(f"12-MP JPEG: {big.stat().st_size:,} bytes")

        plain_ms = _median_ms(lambda: read_c2pa(big, "JPEG"), args.rounds)
        hash_ms = _median_ms(lambda: _sha(big), args.rounds)
        print(f"read, no store (12 MP):   {plain_ms:8.2f} ms vs hashing it {hash_ms:8.2f} ms"
              f"  ratio {plain_ms / hash_ms:.3f}")
        if SIGNED.is_file():
            signed_ms = _median_ms(lambda: read_c2pa(SIGNED, "JPEG"), args.rounds)
            signed_hash = _median_ms(lambda: _sha(SIGNED), args.rounds)
            print(f"read, signed corpus JPEG: {signed_ms:8.2f} ms vs hashing it"
                  f" {signed_hash:8.2f} ms  ratio {signed_ms / signed_hash:.1f}")

        identity = create_identity("Bench")
        data = big.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        out = folder / "shared.jpg"
        actions = [action("c2pa.edited", changes=[region_change(10, 10, 200, 100, "face")])]
        sign_derivative(io.BytesIO(data).getvalue(), out, mime="image/jpeg",   # warm up
                        ingredients=[Ingredient("12mp.jpg", sha, "image/jpeg")],
                        actions=actions, identity=identity)
        sign_ms = _median_ms(lambda: sign_derivative(
            data, out, mime="image/jpeg", ingredients=[Ingredient("12mp.jpg", sha,
                                                                  "image/jpeg")],
            actions=actions, identity=identity), max(3, args.rounds // 4))
        write_ms = _median_ms(lambda: write_atomically(folder / "plain.jpg", data),
                              max(3, args.rounds // 4))
        print(f"sign a 12-MP JPEG copy:   {sign_ms:8.2f} ms vs writing it {write_ms:8.2f} ms"
              f"  ratio {sign_ms / write_ms:.1f}")
        _proofmode(big, folder, args.rounds, hash_ms)


def _proofmode(big: Path, folder: Path, rounds: int, hash_ms: float) -> None:
    """A ProofMode bundle of the 12-MP JPEG: its signature checked with pysequoia."""
    import pysequoia

    from reviewer.core.credentials_in import proofmode_files, read_proofmode

    key = pysequoia.Tsk.generate("bench@proofmode")
    data = big.read_bytes()
    (folder / (big.name + ".asc")).write_bytes(
        pysequoia.sign(key.signer(), data, mode=pysequoia.SignatureMode.DETACHED))
    (folder / "pubkey.asc").write_text(str(key.extract_certificate()))
    files = proofmode_files(big)
    assert read_proofmode(big, files).state == "untrusted"
    check_ms = _median_ms(lambda: read_proofmode(big, files), rounds)
    print(f"ProofMode check (12 MP):  {check_ms:8.2f} ms vs hashing it {hash_ms:8.2f} ms"
          f"  ratio {check_ms / hash_ms:.2f}")


if __name__ == "__main__":
    main()
