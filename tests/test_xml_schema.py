"""Every XML part of every workbook the tool writes is valid against the ECMA-376 transitional
schemas (vendored in tests/schemas, see its README), as Excel requires to open a file without
offering to repair it.

Parts are prepared as Excel reads them (ECMA-376 Part 3, markup compatibility): namespaces a part
lists in ``mc:Ignorable`` are dropped with their elements and attributes, and ``mc:AlternateContent``
is replaced by its Fallback. Extension lists (``extLst``) are validated laxly by the schema itself.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from written import WORKBOOKS, written_workbooks

SCHEMAS = Path(__file__).resolve().parent / "schemas"
# Imports the vendored schemas make by URL, served from the local copies (never the network).
LOCAL_COPIES = {
    "http://dublincore.org/schemas/xmls/qdc/2003/04/02/dc.xsd": "dc.xsd",
    "http://dublincore.org/schemas/xmls/qdc/2003/04/02/dcterms.xsd": "dcterms.xsd",
    "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
    "http://www.w3.org/2001/xml.xsd": "xml.xsd",
}
# The schema for each kind of part, by the namespace of its root element.
ENTRY_SCHEMAS = (
    "sml.xsd",
    "dml-chart.xsd",
    "dml-spreadsheetDrawing.xsd",
    "dml-main.xsd",
    "shared-documentPropertiesCustom.xsd",
    "shared-documentPropertiesExtended.xsd",
    "opc-coreProperties.xsd",
    "opc-contentTypes.xsd",
    "opc-relationships.xsd",
)
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


class _Local(etree.Resolver):
    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:
        if system_url in LOCAL_COPIES:
            return self.resolve_filename(str(SCHEMAS / LOCAL_COPIES[system_url]), context)
        if system_url.startswith(("http:", "https:")):
            raise AssertionError(f"schema import not vendored: {system_url}")
        return None


@pytest.fixture(scope="session")
def schemas() -> dict[str, etree.XMLSchema]:
    found = {}
    for name in ENTRY_SCHEMAS:
        parser = etree.XMLParser(no_network=True)
        parser.resolvers.add(_Local())
        doc = etree.parse(str(SCHEMAS / name), parser)
        found[doc.getroot().get("targetNamespace")] = etree.XMLSchema(doc)
    return found


@pytest.fixture(scope="session")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return written_workbooks(tmp_path_factory.mktemp("written"))


def as_excel_reads(root: etree._Element) -> etree._Element:
    """Apply markup compatibility: drop ignorable namespaces, take AlternateContent's Fallback.

    Also drop ``xml:space`` on SpreadsheetML ``<t>`` elements: the standard's text (ECMA-376 Part 1,
    18.4.12) gives ``t`` that attribute and Excel writes it on every text with edge spaces, but the
    2008 transitional schema leaves it undeclared.
    """
    ignorable: set[str] = set()
    for el in root.iter():
        value = el.attrib.pop(f"{{{MC}}}Ignorable", None)
        if value:
            ignorable |= {el.nsmap[prefix] for prefix in value.split() if prefix in el.nsmap}
    for el in list(root.iter(etree.Element)):
        qname = etree.QName(el)
        parent = el.getparent()
        if qname.namespace == MC and qname.localname == "AlternateContent" and parent is not None:
            fallback = el.find(f"{{{MC}}}Fallback")
            at = parent.index(el)
            parent.remove(el)
            for offset, child in enumerate(fallback if fallback is not None else []):
                parent.insert(at + offset, child)
        elif qname.namespace in ignorable and parent is not None:
            parent.remove(el)
        else:
            for attr in [a for a in el.attrib if etree.QName(a).namespace in ignorable]:
                del el.attrib[attr]
            if qname.namespace == SML and qname.localname == "t":
                el.attrib.pop(XML_SPACE, None)
    return root


def schema_errors(path: Path, schemas: dict[str, etree.XMLSchema]) -> list[str]:
    """Every part that breaks its schema, with the first messages; parts with no schema too."""
    errors = []
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert "[Content_Types].xml" in names and "xl/workbook.xml" in names
        for name in names:
            assert name.endswith((".xml", ".rels")), f"{path.name}: unexpected part {name}"
            root = as_excel_reads(etree.fromstring(zf.read(name)))
            namespace = etree.QName(root).namespace
            schema = schemas.get(namespace or "")
            if schema is None:
                errors.append(f"{name}: no schema for {namespace}")
            elif not schema.validate(etree.ElementTree(root)):
                errors += [f"{name}:{e.line}: {e.message}" for e in list(schema.error_log)[:3]]
    return errors


@pytest.mark.parametrize("kind", WORKBOOKS)
def test_every_part_of_every_written_workbook_is_schema_valid(
    kind: str, workbooks: Any, schemas: dict[str, etree.XMLSchema]
) -> None:
    assert schema_errors(workbooks.paths[kind], schemas) == []


def test_the_demos_returned_workbooks_are_schema_valid(workbooks: Any, schemas: dict[str, etree.XMLSchema]) -> None:
    assert len(workbooks.demo_returns) >= 20
    found = {p.name: schema_errors(p, schemas) for p in workbooks.demo_returns}
    assert {name: errors for name, errors in found.items() if errors} == {}


def test_the_schemas_do_find_errors(schemas: dict[str, etree.XMLSchema]) -> None:
    """The check is real: a misplaced element and a bad attribute value are caught."""
    bad = (
        f'<worksheet xmlns="{SML}"><sheetData><row r="one"><c r="A1" t="s"><v>0</v></c></row>'
        "</sheetData><dimension ref='A1'/></worksheet>"
    )
    root = as_excel_reads(etree.fromstring(bad))
    assert not schemas[SML].validate(etree.ElementTree(root))
    messages = " ".join(e.message for e in schemas[SML].error_log)
    assert "'one'" in messages or "dimension" in messages


def test_markup_compatibility_drops_only_ignorable_content() -> None:
    x14ac = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
    xml = (
        f'<worksheet xmlns="{SML}" xmlns:mc="{MC}" xmlns:x14ac="{x14ac}" mc:Ignorable="x14ac">'
        '<sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/><sheetData/></worksheet>'
    )
    root = as_excel_reads(etree.fromstring(xml))
    (fmt,) = root.iter(f"{{{SML}}}sheetFormatPr")
    assert dict(fmt.attrib) == {"defaultRowHeight": "15"}
