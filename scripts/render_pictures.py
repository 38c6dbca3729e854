"""Render the README's pictures from real files: LibreOffice -> PDF -> PNG (pdftoppm).

    python scripts/render_pictures.py            # needs soffice and pdftoppm (poppler-utils)

Each picture is the first PDF page whose text contains a marker, so pictures follow the
workbooks when templates change.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
DPI = "70"


def to_pdf(workbook: Path, work: Path) -> Path:
    profile = work / "profile"
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", "pdf",
         "--outdir", str(work), str(workbook)],
        check=True, capture_output=True, timeout=180,
    )
    return work / (workbook.stem + ".pdf")


def page_with(pdf: Path, marker: str) -> int:
    pages = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("Pages:")))
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        if marker in text:
            return page
    raise SystemExit(f"{pdf.name}: no page contains {marker!r}")


def render(workbook: Path, marker: str, name: str, work: Path) -> Path:
    pdf = to_pdf(workbook, work)
    page = page_with(pdf, marker)
    target = OUT / name
    subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", DPI, "-png", "-singlefile",
                    str(pdf), str(target.with_suffix(""))], check=True, timeout=60)
    return target


def main() -> None:
    for tool in ("soffice", "pdftoppm", "pdftotext"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: apt-get install libreoffice-calc-nogui poppler-utils")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        demo = work / "demo"
        subprocess.run([sys.executable, "-m", "partnersheet", "demo", str(demo), "--quiet"], check=True)
        shots = [
            (demo / "blank" / "effectiveness.xlsx", "About this assessment", "effectiveness-form.png"),
            (ROOT / "samples" / "returns" / "partnership-table-riverbend.xlsx", "Organization 1",
             "partnership-table.png"),
            (demo / "comparison.xlsx", "Partnership comparison", "comparison-summary.png"),
            (demo / "problems.xlsx", "How to fix it", "problems-report.png"),
        ]
        for workbook, marker, name in shots:
            print(render(workbook, marker, name, work).relative_to(ROOT))


if __name__ == "__main__":
    main()
