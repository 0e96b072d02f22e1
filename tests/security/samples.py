"""Files built by the tests, as real programs write them: PDFs with pypdf (and pydyf, the PDF
writer under WeasyPrint, for compressed object streams), office documents with zipfile, and
ZIP containers written byte by byte where zipfile would take minutes (a gigabyte of zeros)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pydyf
from pypdf import PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from tests.factories import pdf_bytes

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def _name(value: str) -> NameObject:
    return NameObject(value)


def _writer(text: str = "Statuts") -> PdfWriter:
    return PdfWriter(clone_from=io.BytesIO(pdf_bytes(text)))


def _bytes(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_with_javascript() -> bytes:
    writer = _writer()
    writer.add_open_action(JavaScript("app.alert('bonjour');"))
    return _bytes(writer)


def pdf_with_open_action_launch() -> bytes:
    writer = _writer()
    launch = DictionaryObject(
        {
            _name("/Type"): _name("/Action"),
            _name("/S"): _name("/Launch"),
            _name("/F"): TextStringObject("cmd.exe"),
        }
    )
    writer._root_object[_name("/OpenAction")] = writer._add_object(launch)
    return _bytes(writer)


def pdf_with_attachment() -> bytes:
    writer = _writer()
    writer.add_attachment("facture.exe", b"MZ\x90\x00")
    return _bytes(writer)


def _with_annotation(annotation: dict) -> bytes:
    writer = _writer()
    entries = {_name("/Type"): _name("/Annot"), _name("/Rect"): _rect()}
    entries.update({_name(k): v for k, v in annotation.items()})
    reference = writer._add_object(DictionaryObject(entries))
    writer.pages[0][_name("/Annots")] = ArrayObject([reference])
    return _bytes(writer)


def _rect() -> ArrayObject:
    return ArrayObject([FloatObject(10), FloatObject(10), FloatObject(100), FloatObject(40)])


def pdf_with_file_attachment_annotation() -> bytes:
    return _with_annotation(
        {"/Subtype": _name("/FileAttachment"), "/Contents": TextStringObject("pièce")}
    )


def pdf_with_launch_link() -> bytes:
    action = DictionaryObject(
        {_name("/S"): _name("/Launch"), _name("/F"): TextStringObject("calc.exe")}
    )
    return _with_annotation({"/Subtype": _name("/Link"), "/A": action})


def pdf_with_rich_media() -> bytes:
    return _with_annotation({"/Subtype": _name("/RichMedia")})


def pdf_with_page_additional_action() -> bytes:
    writer = _writer()
    writer.pages[0].add_action(PageTrigger.OPEN, JavaScript("this.print();"))
    return _bytes(writer)


def pdf_with_xfa() -> bytes:
    writer = _writer()
    xfa = writer._add_object(DictionaryObject())
    writer._root_object[_name("/AcroForm")] = DictionaryObject(
        {_name("/Fields"): ArrayObject(), _name("/XFA"): xfa}
    )
    return _bytes(writer)


def pdf_encrypted(*, user_password: str) -> bytes:
    writer = _writer()
    writer.encrypt(user_password=user_password, owner_password="proprietaire", algorithm="RC4-128")
    return _bytes(writer)


def pdf_javascript_in_object_stream() -> bytes:
    """JavaScript as the opening action, inside a Flate-compressed object stream (PDF 1.5):
    the raw bytes never show ``/JavaScript``."""
    pdf = pydyf.PDF()
    action = pydyf.Dictionary({"S": "/JavaScript", "JS": pydyf.String("app.alert(1)")})
    pdf.add_object(action)
    pdf.catalog["OpenAction"] = action.reference
    pdf.add_page(pydyf.Dictionary({"Type": "/Page", "MediaBox": pydyf.Array([0, 0, 595, 842])}))
    buffer = io.BytesIO()
    pdf.write(buffer, compress=True)
    return buffer.getvalue()


# --- ZIP containers -----------------------------------------------------------------------------

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Lettre d'engagement de l'organisation B.</w:t></w:r></w:p>"
    "</w:body></w:document>"
)


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    """A real (minimal) Word document, with ``extra`` members added."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/document.xml", DOCUMENT)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_with_many_members(count: int) -> bytes:
    return docx({f"word/media/part{n}.xml": b"<p/>" for n in range(count)})


_GIGABYTE = 1024**3
_MEGABYTE_OF_ZEROS = bytes(1024 * 1024)


def _deflated_gigabyte_of_zeros() -> tuple[bytes, int]:
    """1 GiB of zeros as a raw deflate stream (about 1 MB), built in a second: each
    megabyte compressed after a full flush (which resets the compressor) gives the same
    bytes, so one is compressed and repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(_MEGABYTE_OF_ZEROS) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(_MEGABYTE_OF_ZEROS) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert again == compressor.compress(_MEGABYTE_OF_ZEROS) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream = first + again * 1023 + compressor.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(1024):
        crc = zlib.crc32(_MEGABYTE_OF_ZEROS, crc)
    return stream, crc


def raw_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A ZIP written byte by byte from ``(name, deflated data, crc, uncompressed size)``."""
    out = io.BytesIO()
    central = []
    for name, data, crc, size in members:
        encoded = name.encode()
        offset = out.tell()
        out.write(
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0
            )
            + encoded
            + data
        )
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0,
                crc,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(
        struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), start, 0
        )
    )
    return out.getvalue()


def _deflated(data: bytes) -> tuple[str, bytes, int, int]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)


def docx_bomb() -> bytes:
    """A Word document whose ``word/document.xml`` inflates to 1 GiB of zeros."""
    stream, crc = _deflated_gigabyte_of_zeros()
    return raw_zip(
        [
            ("[Content_Types].xml", *_deflated(CONTENT_TYPES.encode())),
            ("_rels/.rels", *_deflated(RELS.encode())),
            ("word/document.xml", stream, crc, _GIGABYTE),
        ]
    )
