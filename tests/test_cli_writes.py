"""Writes never replace what they should not: ``--out`` refuses devices, pipes and folders, and writes through links."""

from __future__ import annotations

import os
import stat

import pytest

from tests.hostile import run_command

DATA = "partner_name,city,country\r\nPomorski Klaster ICT,Gdańsk,PL\r\n"


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(DATA, encoding="utf-8")
    return path


def test_export_refuses_a_device_and_leaves_it_a_device(tmp_path, source):
    device = tmp_path / "full"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # a private /dev/full
    run = run_command("export", str(source), "--out", str(device))
    assert run.code == 2
    assert run.stderr.strip() == (
        f"{device} is not a regular file (a device, a pipe or a folder); it is left as it is. Give a file name."
    )
    assert stat.S_ISCHR(os.lstat(device).st_mode)  # was: replaced by a regular file, as root


def test_export_refuses_a_pipe_without_blocking(tmp_path, source):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    run = run_command("export", str(source), "--out", str(pipe), timeout=60)
    assert run.code == 2 and "is not a regular file" in run.stderr
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


def test_the_map_command_refuses_a_device_too(tmp_path, source):
    device = tmp_path / "full"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    run = run_command("map", str(source), "--out", str(device))
    assert run.code == 2 and "is not a regular file" in run.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_export_writes_through_a_symlink_and_keeps_the_link(tmp_path, source):
    real = tmp_path / "shared" / "partners.csv"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "out.csv"
    link.symlink_to(real)
    run = run_command("export", str(source), "--out", str(link))
    assert run.code == 0, run.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert "Pomorski Klaster ICT" in real.read_text(encoding="utf-8-sig")
    assert sorted(os.listdir(real.parent)) == ["partners.csv"]  # no temporary file left beside the target


def test_export_to_a_dangling_symlink_creates_its_target(tmp_path, source):
    real = tmp_path / "new.csv"
    link = tmp_path / "out.csv"
    link.symlink_to(real)
    run = run_command("export", str(source), "--out", str(link))
    assert run.code == 0, run.stderr
    assert link.is_symlink() and real.is_file()
