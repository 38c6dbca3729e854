"""docs/templates.md cannot rot: its worked example is followed here, command by command, and it
names every field type, layout, identity and key the code knows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import openpyxl
import pytest
from helpers import fill, run_cli, valid_values

from partnersheet.spec import IDENTITY_KEYS, LAYOUTS, TemplateRegistry
from partnersheet.spec.registry import ENV_VAR
from partnersheet.types import registered_types
from partnersheet.types.base import COMMON_KEYS

DOC = Path(__file__).resolve().parent.parent / "docs" / "templates.md"
MARKER = "<!-- worked-example: replaces the leadership indicator -->"


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The text under a heading (any level), up to the next heading of the same or a higher level."""
    match = re.search(rf"(?m)^(#+) {re.escape(heading)}\n", text)
    assert match, f"no heading {heading!r}"
    level = len(match[1])
    rest = text[match.end() :]
    end = re.search(rf"(?m)^#{{1,{level}}} ", rest)
    return rest[: end.start()] if end else rest


def fenced(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_worked_example_followed_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    example = section(doc_text(), "Worked example: adding a criterion to the effectiveness rubric")
    commands = [shlex.split(line) for block in fenced(example, "bash") for line in block.splitlines() if line.strip()]
    snippet = example.split(MARKER, 1)[1]
    snippet = fenced(snippet, "toml")[0]
    said_ok = re.search(r"`(ok \(our-rubric v[\d.]+, \d+ answers\))`", example)
    assert said_ok, "the doc says what check prints"

    def run(argv: list[str]) -> str:
        assert argv[0] == "partnersheet", argv
        result = run_cli(*argv[1:])
        assert result.exit_code == 0, f"{shlex.join(argv)}: {result.output}"
        return str(result.output)

    spec: Path | None = None
    for argv in commands:
        if argv[0] == "mkdir":
            Path(argv[1]).mkdir()
        elif argv[1:3] == ["templates", "init"]:
            run(argv)
            spec = Path(argv[argv.index("-o") + 1])
            # Step 2, as the doc says: the leadership indicator becomes the snippet.
            text = spec.read_text(encoding="utf-8")
            old = re.search(r'(?ms)^\[\[sheets\.sections\.groups\]\]\nid = "leadership"\n.*?^\]\n', text)
            assert old, "the doc's indicator is in the copy"
            spec.write_text(text.replace(old[0], snippet), encoding="utf-8")
        elif argv[1:3] == ["templates", "check"]:
            assert said_ok[1] in run(argv)
        elif "--roster" in argv:
            continue  # needs the reader's roster; the single workbook below is the same command
        elif argv[1] == "new":
            out = Path(argv[argv.index("-o") + 1])
            run(argv)
            registry = TemplateRegistry([tmp_path / "my-templates"])
            template = registry.latest("our-rubric")
            assert template.field("leadership__shared_credit").label == "Share credit for results with each other"
            names = openpyxl.load_workbook(out).defined_names
            assert "ps_leadership__shared_credit" in names
            # The rater fills it in and sends it back into inbox/.
            inbox = tmp_path / "inbox"
            inbox.mkdir()
            required = [f for f in template.fields if f.required]
            who = {"partner": "County Health Department", "rater": "A. Rivera", "side": "library"}
            fill(out, valid_values(template, required, **who), inbox / out.name)
        else:
            assert argv[1] in ("validate", "compile"), argv
            run(argv)
    assert spec is not None
    assert (tmp_path / "problems.xlsx").exists() and (tmp_path / "comparison.xlsx").exists()


def test_every_field_type_is_documented_with_its_keys() -> None:
    types = section(doc_text(), "Field types")
    for kind in registered_types():
        own = section(types, f"`{kind.name}`")
        for key in sorted(kind.extra_keys):
            assert f"`{key}`" in own, f"{kind.name}: key {key} not documented"
    headings = re.findall(r"(?m)^### `([a-z_]+)`", types)
    assert headings == [t.name for t in registered_types()], "one heading per type, in the registry's order"
    common = types.split("###", 1)[0]
    for key in sorted(COMMON_KEYS):
        assert f"| `{key}` |" in common, f"common key {key} not documented"


def test_layouts_and_identities_are_documented() -> None:
    text = doc_text()
    sheets = section(text, "Sheets and sections")
    assert re.findall(r"(?m)^### `([a-z]+)`", sheets) == list(LAYOUTS)
    identities = section(text, "Identity fields")
    assert re.findall(r"(?m)^\| `([a-z]+)` \|", identities) == list(IDENTITY_KEYS)


def test_readme_links_the_page() -> None:
    readme = (DOC.parent.parent / "README.md").read_text(encoding="utf-8")
    assert "(docs/templates.md)" in section(readme, "Commands")
