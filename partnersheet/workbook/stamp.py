"""Personalised copies of a master workbook, without drawing the workbook again.

A roster makes hundreds of workbooks that differ only in a few identity strings and the workbook
id. We draw one master per template (and per set of identity keys in use) with unique tokens in
those places, then copy its zip parts, replacing the tokens in the few parts that hold them.
The result is the workbook the full generator would draw; tests read both and compare.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from ..spec import IDENTITY_KEYS, Template
from .generate import Personalisation, build_workbook

TOKEN_KEYS = (*IDENTITY_KEYS, "workbook_id")
_TOKEN = "PSTOKEN{key}PSTOKEN"
# Excel reads "_xHHHH_" in document text as an escaped character; a literal one must be escaped.
_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


@dataclass(frozen=True)
class _Master:
    infos: tuple[zipfile.ZipInfo, ...]
    parts: dict[str, bytes]
    tokened: frozenset[str]


_MASTERS: dict[tuple[str, tuple[str, ...], datetime], _Master] = {}


def _master(template: Template, keys: tuple[str, ...], created: datetime) -> _Master:
    cache_key = (template.view_key, keys, created)
    if cache_key not in _MASTERS:
        tokens = Personalisation(**{key: _TOKEN.format(key=key) for key in keys})
        data = build_workbook(template, tokens, _TOKEN.format(key="workbook_id"), created)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = tuple(zf.infolist())
            parts = {info.filename: zf.read(info.filename) for info in infos}
        tokened = frozenset(name for name, body in parts.items() if b"PSTOKEN" in body)
        _MASTERS[cache_key] = _Master(infos, parts, tokened)
    return _MASTERS[cache_key]


def stamped_workbook(template: Template, who: Personalisation, workbook_id: str, created: datetime) -> bytes:
    """The personalised workbook for ``who``, copied from the template's master."""
    values = {**who.as_dict(), "workbook_id": workbook_id}
    keys = tuple(key for key in IDENTITY_KEYS if values[key])
    master = _master(template, keys, created)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in master.infos:
            body = master.parts[info.filename]
            if info.filename in master.tokened:
                text = body.decode("utf-8")
                for key in (*keys, "workbook_id"):
                    value = _EXCEL_ESCAPE.sub(r"_x005F_\1", escape(values[key]))
                    text = text.replace(_TOKEN.format(key=key), value)
                body = text.encode("utf-8")
            zf.writestr(info, body)
    return out.getvalue()
