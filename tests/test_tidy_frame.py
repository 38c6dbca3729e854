"""The analysts' hand-off: the tidy table as a DataFrame, the round and its order on every row, and
pandas kept off the command line's path."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rounds_data import FALL, FOOD_BANK, LIBRARY_CO, SCORES, SPRING, WINTER, Typed, write_rounds

import partnersheet
from partnersheet.compile.core import TIDY_KEYS, tidy_json

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Typed]:
    folder = tmp_path_factory.mktemp("frame") / "inbox"
    return folder, write_rounds(folder)


def test_the_frame_is_the_tidy_table(rounds: tuple[Path, Typed]) -> None:
    folder, _ = rounds
    comparison = partnersheet.compile_paths([folder])
    df = partnersheet.tidy_frame(comparison)
    assert list(df.columns) == list(TIDY_KEYS) and len(df) == comparison.tidy_count
    # the same rows as the JSON export, value for value
    exported = json.loads(tidy_json(comparison))
    assert df["field_id"].tolist() == [r["field_id"] for r in exported]
    assert df["round_order"].tolist() == [r["round_order"] for r in exported]
    assert str(df["score"].dtype) == "Float64" and str(df["round_order"].dtype) == "Int64"


def test_the_readmes_three_lines_of_analysis(rounds: tuple[Path, Typed]) -> None:
    """The README's example, run as written, gives each partnership's mean rating per round."""
    folder, typed = rounds
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(block.strip().splitlines()) == 3, block
    namespace: dict[str, object] = {}
    exec(block.replace('"returned/"', repr(str(folder))), namespace)
    table = namespace["by_round"]
    for partner, round_, order in ((LIBRARY_CO, SPRING, 1), (LIBRARY_CO, WINTER, 3), (FOOD_BANK, FALL, 2)):
        typed_scores = [
            SCORES[label]
            for (p, r, _), given in typed.ratings.items()
            if (p, r) == (partner, round_)
            for label in given.values()
            if label in SCORES
        ]
        assert table.loc[partner, (order, round_)] == pytest.approx(math.fsum(typed_scores) / len(typed_scores))
    assert pd.isna(table.loc[FOOD_BANK, (3, WINTER)])  # the Food Bank was not assessed in Winter


def test_compile_on_the_command_line_never_imports_pandas(rounds: tuple[Path, Typed], tmp_path: Path) -> None:
    folder, _ = rounds
    script = textwrap.dedent(
        f"""
        import sys
        from partnersheet.cli import cli
        try:
            cli.main(["compile", {str(folder)!r}, "-o", {str(tmp_path / "c.xlsx")!r},
                      "--data", {str(tmp_path / "t.csv")!r}, "--quiet"])
        except SystemExit as exc:
            assert exc.code in (0, None), exc.code
        print("pandas" in sys.modules, "partnersheet.compile.dataframe" in sys.modules)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"], out.stderr
    assert (tmp_path / "c.xlsx").exists() and (tmp_path / "t.csv").exists()
