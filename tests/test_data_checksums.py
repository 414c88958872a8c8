"""SHA256SUMS in the formats sha256sum and shasum write, and `verify --dir`."""

from __future__ import annotations

import hashlib
import shutil

import pytest

import course_utils
from course_utils import CourseDataError
from course_utils.data.__main__ import main as data_cli
from course_utils.data.checksums import parse_sums


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("line", [
    "{h}  ./mnist.npz", "{h} *mnist.npz", "{h} *./mnist.npz", "{h} ^mnist.npz",
    "SHA256 (mnist.npz) = {h}", "SHA256 (./mnist.npz) = {h}", "{H}  mnist.npz",
])
def test_every_sum_format_is_read(tmp_path, line):
    h = "ab" * 32
    assert parse_sums(line.format(h=h, H=h.upper()) + "\r\n", tmp_path / "SHA256SUMS") == {"mnist.npz": h}


@pytest.mark.parametrize("form", ["{h}  ./mnist.npz", "SHA256 (mnist.npz) = {h}"])
def test_wrong_checksum_in_other_forms_is_caught(data_env, shared_data, form):
    data, _ = data_env
    shutil.copy(shared_data / "mnist.npz", data / "mnist.npz")
    (data / "SHA256SUMS").write_text(form.format(h="0" * 64) + "\n")
    with pytest.raises(CourseDataError, match="Checksum mismatch"):
        course_utils.load_dataset("mnist", verbose=False)
    assert data_cli(["verify", "--dir", str(data)]) == 1


@pytest.mark.parametrize("line, match", [
    ("MD5 (mnist.npz) = 0123", "line 2: cannot read"),
    ("deadbeef  mnist.npz", "line 2: cannot read"),
    ("{h}  /etc/passwd", "line 2: '/etc/passwd' is an absolute path"),
    ("{h}  ../outside.npz", "line 2: '../outside.npz' points outside"),
])
def test_unreadable_or_outside_lines_are_refused(data_env, shared_data, line, match, capsys):
    data, _ = data_env
    shutil.copy(shared_data / "mnist.npz", data / "mnist.npz")
    good = f"{_sha((data / 'mnist.npz').read_bytes())}  mnist.npz"
    (data / "SHA256SUMS").write_text(good + "\n" + line.format(h="1" * 64) + "\n")
    with pytest.raises(CourseDataError, match=match):
        course_utils.load_dataset("mnist", verbose=False)
    assert data_cli(["verify", "--dir", str(data)]) == 1
    assert match in capsys.readouterr().out


def test_verify_refuses_an_empty_folder(tmp_path, capsys):
    assert data_cli(["verify", "--dir", str(tmp_path)]) == 1
    assert "nothing to verify" in capsys.readouterr().err
    assert data_cli(["verify", "--dir", str(tmp_path / "nowhere")]) == 1


def test_verify_does_not_follow_a_link_out_of_the_folder(tmp_path, capsys):
    outside = tmp_path / "secret.bin"
    outside.write_bytes(b"secret")
    folder = tmp_path / "copy"
    folder.mkdir()
    (folder / "link.bin").symlink_to(outside)
    (folder / "SHA256SUMS").write_text(f"{_sha(b'secret')}  link.bin\n")
    assert data_cli(["verify", "--dir", str(folder)]) == 1
    assert "leads outside" in capsys.readouterr().out


def test_cli_verify_checks_sums_and_decodes(monkeypatch, tmp_path, shared_data, capsys):
    folder = tmp_path / "copy"
    folder.mkdir()
    shutil.copy(shared_data / "mnist.npz", folder / "mnist.npz")
    shutil.copy(shared_data / "SHA256SUMS", folder / "SHA256SUMS")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    # Listed files that are absent fail, as with `sha256sum -c`, unless --ignore-missing.
    assert data_cli(["verify", "--dir", str(folder)]) == 1
    assert f"[FAIL] missing {folder / 'cifar10_jpg.tar.gz'}" in capsys.readouterr().out
    assert data_cli(["verify", "--dir", str(folder), "--ignore-missing"]) == 0
    out = capsys.readouterr().out
    assert f"[OK] sha256 {folder / 'mnist.npz'}" in out
    assert "[OK] mnist: mnist.npz decodes to 10,000 train / 10,000 test examples" in out
    (folder / "mnist.npz").write_bytes(b"truncated")
    assert data_cli(["verify", "--dir", str(folder), "--ignore-missing"]) == 1
    assert f"[FAIL] sha256 {folder / 'mnist.npz'}" in capsys.readouterr().out
