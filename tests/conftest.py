"""Shared fixtures: the built-in templates, generated workbooks, and a real LibreOffice.

Tests marked ``libreoffice`` skip when soffice is missing, except under ``CI=true``, where such a
skip turns into a failure: CI must not go green without having run the real client.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from partnersheet.spec import Template, load_template

if TYPE_CHECKING:
    from libreoffice import LibreOffice
from partnersheet.workbook.generate import Personalisation, generate

pytest_plugins = ["pytester"]

LIBREOFFICE_MISSING = "LibreOffice not installed: apt-get install libreoffice-calc-nogui"

GenerateFn = Callable[..., Path]


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, object, object]:
    """Under CI=true a skipped ``libreoffice`` test is a failure, not a quiet skip."""
    report = yield
    assert isinstance(report, pytest.TestReport)
    if report.skipped and running_in_ci() and item.get_closest_marker("libreoffice") is not None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"libreoffice test skipped under CI=true, which must run it: {reason}"
    return report


@pytest.fixture(scope="session")
def effectiveness() -> Template:
    return load_template("effectiveness")


@pytest.fixture(scope="session")
def partnership_table() -> Template:
    return load_template("partnership-table")


@pytest.fixture
def eff(effectiveness: Template) -> Template:
    """Short alias used by the read and validate tests."""
    return effectiveness


@pytest.fixture
def table(partnership_table: Template) -> Template:
    return partnership_table


@pytest.fixture(params=["effectiveness", "partnership-table"])
def template(request: pytest.FixtureRequest) -> Template:
    """Each built-in template in turn."""
    return load_template(request.param)


@pytest.fixture
def make_workbook(tmp_path: Path) -> GenerateFn:
    """Generate a workbook into tmp_path: ``make_workbook(template, name="x.xlsx", partner=...)``."""

    def make(template: Template, name: str = "out.xlsx", force: bool = False, **identity: str) -> Path:
        return generate(template, tmp_path / name, Personalisation(**identity), force=force)

    return make


@pytest.fixture(scope="module")
def lo() -> Generator[LibreOffice, None, None]:
    """One headless LibreOffice per test module: started once, stopped (only it) at the end.

    Skips with the reason when LibreOffice or python3-uno is missing (a failure under CI=true).
    Imported here, not at the top: test_new_cli copies this conftest where libreoffice.py is not.
    """
    from libreoffice import LibreOffice, missing_reason

    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    office = LibreOffice.start()
    try:
        yield office
    finally:
        office.stop()


@pytest.fixture
def soffice() -> str:
    """Path of the LibreOffice binary, or skip (a failure under CI=true)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.skip(LIBREOFFICE_MISSING)
    return found
