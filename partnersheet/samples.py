"""Realistic sample returns, built from ``sample_returns.toml`` with the real generator.

The same function makes the committed ``samples/`` folder (scripts/make_samples.py) and the
demo's copy, so the samples can always be regenerated when a template changes.
"""

from __future__ import annotations

import csv
import io
import random
import re
import tomllib
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from .files import atomic_write, slug
from .prefill import identity_values, prefill_from_return
from .spec import Template, load_template
from .workbook.generate import DEFAULT_CREATED, generate_bytes, personalise, workbook_id_for

SAMPLE_DATA = Path(__file__).with_name("sample_returns.toml")
SAMPLE_TABLE = tomllib.loads(SAMPLE_DATA.read_text(encoding="utf-8"))["table"]["file"]
NOT_OBSERVED_RATE = 0.04


@dataclass(frozen=True)
class SampleFile:
    path: Path
    purpose: str


def _rubric_groups(template: Template) -> list[Any]:
    return [g for _, section in template.sections() if section.layout == "rubric" for g in section.groups]


def _rating(template: Template, field_scale: str, score: float, rng: random.Random) -> str:
    scale = template.scales[field_scale]
    if scale.not_observed and rng.random() < NOT_OBSERVED_RATE:
        return scale.not_observed
    nearest = min(scale.levels, key=lambda level: abs(level.score - score))
    return nearest.label


def _effectiveness_answers(
    template: Template, partnership: dict[str, Any], rater: dict[str, Any], round_: dict[str, Any], rng: random.Random
) -> dict[str, Any]:
    answers: dict[str, Any] = {"rater_organization": rater["organization"], "assessment_date": round_["date"]}
    bias = rng.uniform(-0.35, 0.35) + round_["shift"]
    if rater["side"] == "Partner":
        bias += partnership["partner_shift"]
    for group in _rubric_groups(template):
        for f in group.fields:
            if f.kind.scored:
                score = partnership["profile"][group.id] + bias + rng.gauss(0, 0.45)
                answers[f.id] = _rating(template, f.scale or "", score, rng)
            elif rng.random() < 0.75:
                note = partnership["evidence"][group.id]
                answers[f.id] = note if round_["shift"] == 0 else f"{note} Some improvement since the last round."
    if rng.random() < 0.6:
        answers["overall_comments"] = partnership["comment"]
    return answers


def _rename_sheet(data: bytes, old: str, new: str) -> bytes:
    """Rename a sheet the way Excel does: the tab, and every defined name that points at it."""
    out = io.BytesIO()
    quoted_new = "'" + new.replace("'", "''") + "'"
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename in ("xl/workbook.xml", "docProps/app.xml"):
                text = body.decode("utf-8")
                text = text.replace(f'name="{old}"', f'name="{new}"').replace(f">{old}<", f">{new}<")
                text = re.sub(rf"(?:'{re.escape(old)}'|{re.escape(old)})!", f"{quoted_new}!", text)
                body = text.encode("utf-8")
            dst.writestr(info, body)
    return out.getvalue()


def _in_view(view: Template, field_id: str, value: Any) -> Any:
    """An English choice or rating as the workbook's language shows it (the option at the same place)."""
    f = view.fields_by_id.get(field_id)
    if f is None or not isinstance(value, str) or view.lang == view.base.lang:
        return value
    english = view.base.options(view.base.field(field_id))
    return view.options(f)[english.index(value)] if value in english else value


def _email(name: str) -> str:
    """'Dr. Lena Ortiz' -> 'lena.ortiz@example.org' (example.org is reserved for examples)."""
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", name) if w.lower() != "dr"]
    return ".".join(words) + "@example.org"


def roster_csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    """A roster as `new --roster` and `status` read it: partner, rater, side, round, email."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["partner", "rater", "side", "round", "email"])
    for partner, rater, side, round_ in rows:
        writer.writerow([partner, rater, side, round_, _email(rater)])
    return out.getvalue().encode("utf-8")


def build_samples(out_dir: str | Path, force: bool = False, roster: Path | None = None) -> list[SampleFile]:
    """Write the sample returns into ``out_dir`` (and, with ``roster``, the roster of every rater
    asked, returned or not); returns each file with what it shows."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = tomllib.loads(SAMPLE_DATA.read_text(encoding="utf-8"))
    rng = random.Random(data["seed"])
    rubric = load_template("effectiveness")
    table = load_template("partnership-table")
    made: list[SampleFile] = []
    asked: dict[tuple[str, str, str, str], None] = {}  # the roster: everyone asked, in order, once

    def write(name: str, content: bytes, purpose: str) -> None:
        made.append(SampleFile(atomic_write(out / name, content, force), purpose))

    def effectiveness(
        partnership: dict[str, Any],
        rater: dict[str, Any],
        round_: dict[str, Any],
        answers: dict[str, Any],
        saved: datetime = DEFAULT_CREATED,
        sent_as: str = "",
    ) -> tuple[str, bytes]:
        """One returned rubric; ``saved`` is when it was last saved, ``sent_as`` the file it was first sent as.

        A rater with ``lang`` fills the workbook in that language: its lists offer their words, and the
        ratings are chosen from them (the same levels, so the same scores).
        """
        view = rubric.in_language(rater.get("lang", rubric.lang))
        answers = {k: _in_view(view, k, v) for k, v in answers.items()}
        who = personalise(
            view,
            {
                "library": data["library"],
                "partner": partnership["partner"],
                "rater": rater["name"],
                "side": rater["side"],
                "round": round_["label"],
            },
        )
        asked[(who.partner, who.rater, rater["side"], who.round)] = None  # the roster in English
        name = "-".join(["effectiveness", slug(who.partner), slug(who.rater), slug(who.round)]) + ".xlsx"
        workbook_id = workbook_id_for(view, who, sent_as or name)
        content = generate_bytes(view, who, workbook_id=workbook_id, created=saved, answers=answers)
        return name, content

    fix = data["corrected"]
    for partnership in data["partnerships"]:
        for round_ in data["rounds"]:
            if round_["label"] not in partnership.get("rounds", [round_["label"]]):
                continue
            for rater in partnership["raters"]:
                if round_["label"] not in rater.get("rounds", [round_["label"]]):
                    continue
                answers = _effectiveness_answers(rubric, partnership, rater, round_, rng)
                name, content = effectiveness(partnership, rater, round_, answers)
                purpose = f"{rater['name']} ({rater['side']}) rates {partnership['partner']}, {round_['label']}"
                if (partnership["partner"], rater["name"], round_["label"]) != (
                    fix["partner"],
                    fix["rater"],
                    fix["round"],
                ):
                    write(name, content, purpose)
                    continue
                # sent first with answers missing, then corrected: same workbook, saved days later
                first = {k: v for k, v in answers.items() if k not in fix["left_out"]}
                write(
                    name, effectiveness(partnership, rater, round_, first)[1], f"{purpose}: first copy, answers missing"
                )
                later = DEFAULT_CREATED + timedelta(days=fix["days_later"])
                write(
                    "corrected-" + name,
                    effectiveness(partnership, rater, round_, answers, later, name)[1],
                    f"{purpose}: corrected copy, sent later",
                )

    t = data["table"]
    who = personalise(table, {"library": data["library"], "rater": t["rater"]})
    write(
        t["file"],
        generate_bytes(
            table,
            who,
            workbook_id=workbook_id_for(table, who, t["file"]),
            created=DEFAULT_CREATED,
            answers=t["answers"],
        ),
        "Partnership table comparing three candidate organizations",
    )

    for name, content, purpose in _plan_and_agreement(data, out / t["file"]):
        write(name, content, purpose)

    # Flawed returns, as they really come back.
    health, food, college = data["partnerships"]
    fall = data["rounds"][1]
    newcomer = {"name": "Alex Kim", "organization": data["library"], "side": "Library"}
    answers = _effectiveness_answers(rubric, food, newcomer, fall, rng)
    for field_id in ("assessment_date", "goals__clear_measurable", "progress__data_used", "agendas__resourced"):
        answers.pop(field_id, None)
    name, content = effectiveness(food, newcomer, fall, answers)
    write("flawed-" + name, content, "Flawed: required answers left empty")

    outsider = {"name": "Dana Scott", "organization": college["partner"], "side": "Partner"}
    answers = _effectiveness_answers(rubric, college, outsider, fall, rng)
    answers["leadership__meetings"] = "Very good"
    answers["assessment_date"] = "next Tuesday"
    name, content = effectiveness(college, outsider, fall, answers)
    write("flawed-" + name, content, "Flawed: a rating outside the dropdown and a date that is not a date")

    renamer = {"name": "Lee Chen", "organization": data["library"], "side": "Library"}
    answers = _effectiveness_answers(rubric, health, renamer, fall, rng)
    name, content = effectiveness(health, renamer, fall, answers)
    write(
        "renamed-sheet-" + name,
        _rename_sheet(content, rubric.sheets[0].name, "My ratings"),
        "Form sheet renamed by the rater: still reads correctly",
    )

    truncated = effectiveness(
        health, {"name": "Robin Ford", "side": "Partner"}, fall, {"assessment_date": date(2026, 10, 20)}
    )[1]
    write(
        "flawed-email-attachment-cut-short.xlsx",
        truncated[: len(truncated) // 2],
        "Flawed: an attachment cut short in transit (unreadable)",
    )
    for name, content, purpose in _sustainability(data):
        write(name, content, purpose)
    if roster is not None:
        never = [(r["partner"], r["name"], r["side"], r["round"]) for r in data["roster"]["never_returned"]]
        rows = list(asked) + never
        path = atomic_write(roster, roster_csv(rows), force)
        made.append(SampleFile(path, f"Roster of {len(rows)} raters with emails; {len(never)} never returned"))
    return made


def _sustainability(data: dict[str, Any]) -> list[tuple[str, bytes, str]]:
    """The sustainability checks: ratings drawn from each partnership's profile (a score per scale),
    the other answers as the sample data gives them, each rater's in the rater's language."""
    template = load_template("sustainability")
    rng = random.Random(data["seed"])  # its own draws: the other samples stay as they were
    made = []
    for check in data["sustainability"]:
        for rater in check["raters"]:
            view = template.in_language(rater.get("lang", template.lang))
            answers: dict[str, Any] = {"rater_organization": rater["organization"], "assessment_date": check["date"]}
            bias = rng.uniform(-0.3, 0.3)
            for f in template.fields:
                if f.kind.scored and f.scale:
                    answers[f.id] = _rating(
                        template, f.scale, check["profile"][f.scale] + bias + rng.gauss(0, 0.4), rng
                    )
            answers |= check["answers"] | rater["answers"]
            who = personalise(
                view,
                {
                    "library": data["library"],
                    "partner": check["partner"],
                    "rater": rater["name"],
                    "side": rater["side"],
                    "round": check["round"],
                },
            )
            name = "-".join([template.id, slug(who.partner), slug(who.rater), slug(who.round)]) + ".xlsx"
            content = generate_bytes(
                view,
                who,
                workbook_id=workbook_id_for(view, who, name),
                created=DEFAULT_CREATED,
                answers={k: _in_view(view, k, v) for k, v in answers.items()},
            )
            made.append(
                (name, content, f"{rater['name']} ({rater['side']}) checks {check['partner']}, {check['round']}")
            )
    return made


def _rows(table: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Table rows as answers: row k's column c is field ``<table>__r<k>__<c>``."""
    return {f"{table}__r{k}__{c}": v for k, row in enumerate(rows, start=1) for c, v in row.items() if v != ""}


def _plan_and_agreement(data: dict[str, Any], table_file: Path) -> list[tuple[str, bytes, str]]:
    """The filled action plan, and the agreement pre-filled from the table then completed."""
    plan = load_template("action-plan")
    p = data["action_plan"]
    who = personalise(plan, {"library": data["library"], "rater": p["prepared_by"]})
    answers = {"updated": p["updated"], **_rows("actions", p["rows"])}
    made = [
        (
            p["file"],
            generate_bytes(
                plan, who, workbook_id=workbook_id_for(plan, who, p["file"]), created=DEFAULT_CREATED, answers=answers
            ),
            "Action plan from the spring round, returned with each action's status",
        )
    ]
    agreement = load_template("agreement")
    a = data["agreement"]
    prefill = prefill_from_return(agreement, table_file, a["candidate"])
    who = personalise(agreement, identity_values(prefill, {}))
    answers = prefill.answers | a["answers"]
    for table, rows in a["tables"].items():
        answers |= _rows(table, rows)
    content = generate_bytes(
        agreement, who, workbook_id=workbook_id_for(agreement, who, a["file"]), created=DEFAULT_CREATED, answers=answers
    )
    made.append((a["file"], content, f"Agreement with {who.partner}, made from the table's candidate {a['candidate']}"))
    return made
