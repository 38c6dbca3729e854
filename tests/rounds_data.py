"""Returns over several rounds with raters who stay, leave and join, and what each rater typed.

The ratings are drawn with a fixed seed and kept as typed (labels), so tests compute the expected
trend figures from them without partnersheet's scoring code. Round labels sort differently by name
(Fall < Spring < Winter) than by date (Spring, Fall, Winter), and one Spring return is dated late,
so only the median date orders the rounds right.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from helpers import valid_effectiveness_values

from partnersheet.spec import load_template
from partnersheet.workbook.generate import generate_bytes, personalise

SPRING, FALL, WINTER = "Spring 2026", "Fall 2026", "Winter 2027"
DATES = {SPRING: date(2026, 4, 10), FALL: date(2026, 10, 14), WINTER: date(2027, 1, 20)}
LIBRARY_CO, FOOD_BANK = "Riverbend Literacy Council", "Tri-County Food Bank"
# partner -> round -> raters (name, side). Literacy Council: Cho leaves after Spring, Diaz joins in
# Fall; in Winter only Ames stays and Ezra joins (one comparable rater: too few). Food Bank: the same
# two raters in Spring and Fall.
RATERS: dict[str, dict[str, list[tuple[str, str]]]] = {
    LIBRARY_CO: {
        SPRING: [("Ana Ames", "Library"), ("Ben Baker", "Partner"), ("Cy Cho", "Partner")],
        FALL: [("Ana Ames", "Library"), ("Ben Baker", "Partner"), ("Di Diaz", "Library")],
        WINTER: [("Ana Ames", "Library"), ("Ezra Eng", "Partner")],
    },
    FOOD_BANK: {
        SPRING: [("Fay Fox", "Library"), ("Gus Gill", "Partner")],
        FALL: [("Fay Fox", "Library"), ("Gus Gill", "Partner")],
    },
}
# How well each partnership does per round (mean level): the Food Bank improves clearly.
LEVEL = {(LIBRARY_CO, SPRING): 2.6, (LIBRARY_CO, FALL): 2.9, (LIBRARY_CO, WINTER): 2.4}
LEVEL |= {(FOOD_BANK, SPRING): 1.8, (FOOD_BANK, FALL): 3.4}
SCORES = {"Highly effective": 4, "Effective": 3, "Somewhat effective": 2, "Ineffective": 1}


@dataclass
class Typed:
    """What was typed: (partner, round, rater) -> {criterion field id: rating label}."""

    ratings: dict[tuple[str, str, str], dict[str, str]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


def write_rounds(folder: Path, seed: int = 7) -> Typed:
    """Write one returned workbook per partner, round and rater into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    template = load_template("effectiveness")
    criteria = [f for f in template.fields if f.type == "rating"]
    labels = list(SCORES)
    rng = random.Random(seed)
    typed = Typed()
    for partner, rounds in RATERS.items():
        for round_, raters in rounds.items():
            for n, (rater, side) in enumerate(raters):
                who = {"partner": partner, "rater": rater, "side": side, "round": round_}
                answers = valid_effectiveness_values(template, **who)
                mine = {}
                for f in criteria:
                    if rng.random() < 0.08:
                        mine[f.id] = "Not observed"
                        continue
                    level = min(4, max(1, round(LEVEL[partner, round_] + rng.gauss(0, 0.7))))
                    mine[f.id] = labels[4 - level]
                answers.update(mine)
                # one Spring return is dated in November: the median keeps Spring first
                late = round_ == SPRING and partner == LIBRARY_CO and n == 2
                answers["assessment_date"] = date(2026, 11, 30) if late else DATES[round_]
                typed.ratings[partner, round_, rater] = mine
                path = folder / f"{partner[:4]}-{round_.replace(' ', '')}-{rater.replace(' ', '')}.xlsx"
                path.write_bytes(generate_bytes(template, personalise(template, who), answers=answers))
                typed.files.append(path)
    return typed
