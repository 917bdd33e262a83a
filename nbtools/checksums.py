"""SHA-256 checksums of data files, recorded beside them and checked on load.

A data folder may hold a ``SHA256SUMS`` file in the format ``sha256sum`` writes
and checks (``<hex digest>  <file name>`` per line), so the same check runs
without Python: ``cd data/leopard-study && sha256sum -c SHA256SUMS``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: Name of the checksum file in a data folder.
CHECKSUM_FILE = "SHA256SUMS"


class ChecksumError(ValueError):
    """A data file's contents differ from its recorded checksum."""


def sha256(path: str | Path) -> str:
    """Hex SHA-256 digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checksums(folder: str | Path, files: list[str] | None = None) -> Path:
    """Record the SHA-256 of files in ``folder/SHA256SUMS``.

    Parameters
    ----------
    folder : str or pathlib.Path
        The data folder.
    files : list of str, optional
        File names relative to ``folder``; by default every regular file in it
        (sub-folders included) except the checksum file itself, sorted.

    Returns
    -------
    pathlib.Path
        The checksum file.
    """
    root = Path(folder)
    if files is None:
        files = sorted(
            p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.name != CHECKSUM_FILE
        )
    lines = [f"{sha256(root / name)}  {name}\n" for name in files]
    target = root / CHECKSUM_FILE
    target.write_text("".join(lines), encoding="utf-8")
    return target


def read_checksums(folder: str | Path) -> dict[str, str]:
    """The recorded checksums of a folder (empty when it has no checksum file)."""
    target = Path(folder) / CHECKSUM_FILE
    if not target.is_file():
        return {}
    recorded = {}
    for number, line in enumerate(target.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            raise ChecksumError(f"{target}: line {number} is not '<sha256>  <file name>'")
        recorded[name.lstrip("*")] = digest
    return recorded


def verify_file(path: str | Path, actual: str | None = None) -> bool:
    """Check one file against the ``SHA256SUMS`` of its folder or a parent folder.

    ``actual`` is the file's SHA-256 when the caller has already computed it (the file is then not read).

    Returns
    -------
    bool
        True if a checksum was recorded for the file and matches; False if no
        checksum file lists it.

    Raises
    ------
    ChecksumError
        If the file's SHA-256 differs from the recorded one.
    """
    path = Path(path).resolve()
    for folder in path.parents:
        recorded = read_checksums(folder)
        name = path.relative_to(folder).as_posix()
        if name in recorded:
            actual = actual or sha256(path)
            if actual != recorded[name]:
                raise ChecksumError(
                    f"{path.name}: checksum mismatch: the file was changed or damaged since it was recorded in "
                    f"{folder / CHECKSUM_FILE} (expected sha256 {recorded[name][:12]}…, found {actual[:12]}…). "
                    "Restore it (git checkout) or, if the change is intended, record it again."
                )
            return True
        if (folder / CHECKSUM_FILE).is_file() or folder == folder.parent:
            return False
    return False
