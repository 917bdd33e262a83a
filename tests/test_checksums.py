"""Tests of nbtools.checksums: SHA-256 sums recorded in ``SHA256SUMS`` (sha256sum's format) and checked on load.

The readers' use of them (a changed file named in the error) is tested with each reader: test_camtrapdp.py,
test_bad_input.py (habitat, boundary), test_cache.py, test_truth.py and test_readers.py.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from nbtools.checksums import CHECKSUM_FILE, ChecksumError, read_checksums, sha256, verify_file, write_checksums


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "a.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.bin").write_bytes(bytes(range(256)) * 5000)  # over one 1 MiB block
    return tmp_path


def test_sha256_is_hashlib_s_digest_of_the_whole_file(folder: Path) -> None:
    for path in (folder / "a.csv", folder / "sub" / "b.bin"):
        assert sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "empty").write_bytes(b"")
    assert sha256(folder / "empty") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_write_and_read_checksums(folder: Path) -> None:
    target = write_checksums(folder)
    assert target == folder / CHECKSUM_FILE
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines == [f"{sha256(folder / 'a.csv')}  a.csv", f"{sha256(folder / 'sub' / 'b.bin')}  sub/b.bin"]
    assert read_checksums(folder) == {"a.csv": sha256(folder / "a.csv"), "sub/b.bin": sha256(folder / "sub" / "b.bin")}
    write_checksums(folder, ["a.csv"])  # only the files named
    assert list(read_checksums(folder)) == ["a.csv"]
    assert read_checksums(folder / "sub") == {}  # no checksum file


def test_read_checksums_skips_blank_lines(folder: Path) -> None:
    digest = sha256(folder / "a.csv")
    (folder / CHECKSUM_FILE).write_text(f"\n{digest}  a.csv\n\n", encoding="utf-8")
    assert read_checksums(folder) == {"a.csv": digest}


@pytest.mark.parametrize("line", ["not a checksum line", "abc  a.csv", f"{'0' * 64} a.csv"])
def test_malformed_checksum_file_names_the_line(folder: Path, line: str) -> None:
    (folder / CHECKSUM_FILE).write_text(f"{sha256(folder / 'a.csv')}  a.csv\n{line}\n", encoding="utf-8")
    with pytest.raises(ChecksumError, match=rf"{CHECKSUM_FILE}: line 2 is not '<sha256>  <file name>'"):
        read_checksums(folder)


def test_verify_file_in_its_folder_and_from_a_parent(folder: Path) -> None:
    write_checksums(folder)
    assert verify_file(folder / "a.csv") is True
    assert verify_file(folder / "sub" / "b.bin") is True  # listed in the parent's file as sub/b.bin
    (folder / "new.txt").write_text("not recorded", encoding="utf-8")
    assert verify_file(folder / "new.txt") is False


def test_verify_file_stops_at_the_nearest_checksum_file(folder: Path) -> None:
    write_checksums(folder)
    write_checksums(folder / "sub", [])  # an empty checksum file in the sub-folder hides the parent's entry
    assert verify_file(folder / "sub" / "b.bin") is False


def test_changed_file_is_an_error_naming_it(folder: Path) -> None:
    write_checksums(folder)
    (folder / "a.csv").write_text("x,y\n1,3\n", encoding="utf-8")
    with pytest.raises(ChecksumError, match=r"a.csv: checksum mismatch: the file was changed or damaged"):
        verify_file(folder / "a.csv")
    assert issubclass(ChecksumError, ValueError)


def test_verify_file_uses_a_digest_already_computed(folder: Path) -> None:
    write_checksums(folder)
    assert verify_file(folder / "a.csv", actual=sha256(folder / "a.csv")) is True
    with pytest.raises(ChecksumError, match="checksum mismatch"):
        verify_file(folder / "a.csv", actual="0" * 64)  # the file is not read again


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="GNU coreutils' sha256sum is not installed")
def test_sha256sum_checks_the_file_we_write(folder: Path) -> None:
    write_checksums(folder)
    done = subprocess.run(["sha256sum", "-c", CHECKSUM_FILE], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": OK") == 2
