"""Hostile files made on the spot: tiny workbooks that claim or unpack to a lot, and huge CSV headers.

Each generator writes a real file that Excel or a careless script could produce, or that an attacker
would craft; the tests feed them to the loader, the command line and the staff page.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

HEADER = ["partner_name", "city", "country"]
ROWS = [["Pomorski Klaster ICT", "Gdańsk", "PL"], ["Klaster Żeglugi", "Gdynia", "PL"]]


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PACKAGE = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Partners" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>"
    ),
}
SHEET = "xl/worksheets/sheet1.xml"


def _cell(row: int, column: int, text: str) -> str:
    return f'<c r="{"ABCDEFGHIJ"[column]}{row}" t="inlineStr"><is><t>{text}</t></is></c>'


def _row(number: int, values: list[str]) -> str:
    return f'<row r="{number}">' + "".join(_cell(number, i, v) for i, v in enumerate(values)) + "</row>"


def sheet_xml(rows: list[list[str]], *, dimension: str = "A1:C3", before: str = "") -> str:
    body = "".join(_row(n, values) for n, values in enumerate(rows, start=1))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{before}<worksheet xmlns="{MAIN}">'
        f'<dimension ref="{dimension}"/><sheetData>{body}</sheetData></worksheet>'
    )


def workbook(sheet: str | None = None, *, stream=None) -> bytes:
    """A minimal real .xlsx (what a script writes): the package parts and one sheet, deflated.

    ``stream`` (an iterable of bytes) writes the sheet in pieces, for sheets too big to hold in memory.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name, text in _PACKAGE.items():
            target.writestr(name, text)
        if stream is None:
            target.writestr(SHEET, sheet if sheet is not None else sheet_xml([HEADER, *ROWS]))
        else:
            info = zipfile.ZipInfo(SHEET)
            info.compress_type = zipfile.ZIP_DEFLATED
            with target.open(info, "w", force_zip64=True) as writer:
                for piece in stream:
                    writer.write(piece)
    return out.getvalue()


def small_workbook() -> bytes:
    """A genuine two-row workbook."""
    return workbook()


def lying_dimension() -> bytes:
    """Two real rows, but ``<dimension ref="A1:XFD1048576"/>``: the sheet claims 17 billion cells."""
    return workbook(sheet_xml([HEADER, *ROWS], dimension="A1:XFD1048576"))


def broken_sheet_xml() -> bytes:
    """The sheet's XML cut off in the middle of a row."""
    text = sheet_xml([HEADER, *ROWS])
    return workbook(text[: text.index("<sheetData>") + 60])


def entity_expansion() -> bytes:
    """The classic "billion laughs": nested entities that expand to gigabytes from a few hundred bytes."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    rows = [HEADER, *ROWS, ["&lol9;", "Gdańsk", "PL"]]
    return workbook(sheet_xml(rows, before=f"<!DOCTYPE worksheet [{entities}]>"))


def one_cell_bomb(megabytes: int = 300) -> bytes:
    """A workbook whose one data cell holds ``megabytes`` MB of text, compressed to a few hundred KB."""
    text = sheet_xml([HEADER, ["@@CELL@@", "Gdańsk", "PL"]])
    head, tail = text.split("@@CELL@@")
    chunk = b"A" * 1_000_000
    return workbook(stream=[head.encode(), *(chunk for _ in range(megabytes)), tail.encode()])


def many_rows_workbook(rows: int = 1_500_000) -> bytes:
    """A workbook with ``rows`` real rows of three short cells each (about 18 MB)."""
    head, tail = sheet_xml([HEADER], dimension="A1:C2").split("</sheetData>")

    def pieces():
        yield head.encode()
        for start in range(2, rows + 2, 10_000):
            yield "".join(
                _row(r, [f"P{r}", "Gdańsk", "PL"]) for r in range(start, min(start + 10_000, rows + 2))
            ).encode()
        yield ("</sheetData>" + tail).encode()

    return workbook(stream=pieces())


def wide_csv(columns: int = 100_000) -> bytes:
    """A CSV whose header has ``columns`` columns (the first three real ones)."""
    header = [*HEADER, *(f"extra {i}" for i in range(columns - len(HEADER)))]
    return (",".join(header) + "\r\n" + ",".join(ROWS[0]) + "\r\n").encode()


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float


# Runs the command and then writes the process's own peak memory (VmHWM, counted from its exec, so
# the forking test process is not included) to the file named by the environment.
_MEASURED = """
import os, runpy, sys
sys.argv = ["partner_directory", *sys.argv[1:]]
try:
    runpy.run_module("partner_directory", run_name="__main__", alter_sys=True)
finally:
    with open("/proc/self/status") as status, open(os.environ["HOSTILE_PEAK_FILE"], "w") as out:
        out.write(next(line for line in status if line.startswith("VmHWM")).split()[1])
"""


def run_command(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Run:
    """Run ``python -m partner_directory ARGS`` and measure its wall time and peak memory (MB)."""
    with tempfile.TemporaryDirectory() as folder:
        peak_file = Path(folder) / "peak"
        environment = {
            **os.environ,
            "PARTNER_DIRECTORY_LANGUAGE": "en",
            "HOSTILE_PEAK_FILE": str(peak_file),
            **(env or {}),
        }
        started = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, "-c", _MEASURED, *args],
                cwd=ROOT,
                env=environment,
                capture_output=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as error:
            raise AssertionError(f"the command ran longer than {timeout} s: {error.stderr!r}") from None
        seconds = time.monotonic() - started
        peak = int(peak_file.read_text()) / 1024 if peak_file.exists() else float("nan")
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode(), seconds, peak)
