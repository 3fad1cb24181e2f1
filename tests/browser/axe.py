"""axe-core for the browser tests, from the npm registry at test time (never a CDN, never a copy
in the repository): `npm pack` fetches the pinned release once, its integrity is checked against
the pinned hash, and the tarball is kept in a cache directory for the next runs."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "4.14.1"
INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
"""`npm view axe-core@<VERSION> dist.integrity`: the registry's hash of the tarball."""

TARBALL = f"axe-core-{VERSION}.tgz"
SCRIPT = "package/axe.min.js"


def cache_dir() -> Path:
    """AXE_CORE_CACHE, else a folder in the virtual environment (`make clean` removes it),
    else one in the temporary directory."""
    if os.environ.get("AXE_CORE_CACHE"):
        return Path(os.environ["AXE_CORE_CACHE"])
    if sys.prefix != sys.base_prefix:
        return Path(sys.prefix) / "cache" / "axe-core"
    return Path(tempfile.gettempdir()) / "axe-core-cache"


def axe_source() -> str:
    """The text of axe.min.js of the pinned release."""
    folder = cache_dir()
    tarball = folder / TARBALL
    if not tarball.exists() or _integrity(tarball) != INTEGRITY:
        _download(folder)
    found = _integrity(tarball)
    if found != INTEGRITY:
        tarball.unlink()
        raise AssertionError(f"{TARBALL} from the npm registry is {found}, not {INTEGRITY}")
    with tarfile.open(tarball) as archive:
        member = archive.extractfile(SCRIPT)
        assert member is not None, f"{SCRIPT} is missing from {TARBALL}"
        return member.read().decode()


def _download(folder: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise AssertionError("npm is missing: `make test` installs Debian's npm (axe-core comes "
                             "from the npm registry)")  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        done = subprocess.run(
            [npm, "pack", f"axe-core@{VERSION}", "--pack-destination", scratch, "--silent",
             "--ignore-scripts", "--no-fund", "--no-audit"],
            capture_output=True, text=True, timeout=180, cwd=scratch,
        )  # fmt: skip
        if done.returncode != 0:
            raise AssertionError(f"npm pack axe-core@{VERSION} failed:\n{done.stderr[-2000:]}")
        os.replace(Path(scratch) / TARBALL, folder / TARBALL)


def _integrity(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()
