"""Checks on an uploaded collateral file: size, extension, that the bytes are what the
extension says (a PNG header glued to HTML is not a PNG), and that nothing in the whole
file can run: PDFs without JavaScript or automatic actions, Office files without macros
and without a zip bomb inside. Each refusal is one ValidationError({'file': message}).

Settings: COLLATERAL_MAX_UPLOAD_BYTES (default 50 MiB), COLLATERAL_MAX_UNPACKED_BYTES
(default 256 MiB: what an Office file's parts may add up to once unpacked).
"""

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File

MiB = 1024 * 1024
DEFAULT_MAX_UPLOAD_BYTES = 50 * MiB
DEFAULT_MAX_UNPACKED_BYTES = 256 * MiB
ALLOWED_EXTENSIONS = ("pdf", "pptx", "docx", "xlsx", "mp4", "png", "jpg")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "mp4": "video/mp4",
    "png": "image/png",
    "jpg": "image/jpeg",
}
# Markup a browser would render if it sniffed the file as HTML; never in a genuine document's head.
# Only the head: browsers sniff only there, and compressed bytes further on match by chance.
MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|iframe|svg|object|embed|meta|style|a\s)", re.IGNORECASE)
SNIFFED_BYTES = 4096
OFFICE_PART = {"docx": "word/", "pptx": "ppt/", "xlsx": "xl/"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# PDF names that run script or act without the reader's click (/OpenAction to a script names
# /JavaScript or /JS too; a plain /OpenAction that only opens a page is harmless).
PDF_ACTIVE_NAMES = frozenset(
    {"JavaScript", "JS", "Launch", "AA", "EmbeddedFile", "EmbeddedFiles", "RichMedia", "XFA", "ImportData", "GoToE"}
)
PDF_FILTERS = frozenset(
    {"FlateDecode", "Fl", "ASCIIHexDecode", "AHx", "ASCII85Decode", "A85", "LZWDecode", "LZW", "RunLengthDecode", "RL"}
    | {"CCITTFaxDecode", "CCF", "JBIG2Decode", "DCTDecode", "DCT", "JPXDecode", "Crypt"}
)
PDF_NAME_END = rb"(?![^\s()<>\[\]{}/%])"


def _pdf_names_pattern(names: frozenset[str]) -> re.Pattern[bytes]:
    return re.compile(rb"/(" + "|".join(sorted(names)).encode() + rb")" + PDF_NAME_END)


PDF_ACTIVE_NAME = _pdf_names_pattern(PDF_ACTIVE_NAMES)
PDF_FILTER_NAME = _pdf_names_pattern(PDF_FILTERS)
PDF_OBJECT_STREAM = _pdf_names_pattern(frozenset({"ObjStm"}))
# A name may spell a letter as #xx (/J#61vaScript is /JavaScript). Names of interest are all
# letters, so decoding the escapes of letters is enough, one pass each however many names.
PDF_LETTER_ESCAPES = [
    (b"#" + spelling, bytes([code]))
    for code in [*range(ord("A"), ord("Z") + 1), *range(ord("a"), ord("z") + 1)]
    for spelling in sorted({b"%02x" % code, b"%02X" % code})
]
# The lexer looks for what changes how the bytes after it are read: a string, a comment, a stream.
PDF_LEXEME = re.compile(rb"[(%]|stream(?:\r\n|\n|\r)")
PDF_STRING_LEXEME = re.compile(rb"\\.|[()]", re.DOTALL)
PDF_END_OF_LINE = re.compile(rb"[\r\n]")
PDF_BEFORE_KEYWORD = frozenset(bytes([byte]) for byte in b" \t\r\n\x0c\x00>")
PDF_OBJECT_HEADER = re.compile(rb"\d\s+\d+\s+obj" + PDF_NAME_END)
# Object streams hide dictionaries in compressed bytes; inflating them is capped, never unbounded.
PDF_MAX_INFLATED_BYTES = 64 * MiB
# Strings and comments outside streams, each a step of the lexer: real files have far fewer
# (page text lives in streams); the cap keeps a crafted file from holding a worker for long.
PDF_MAX_LEXEMES = 1_000_000
# Office parts: more than this many, or a part squeezed more than this (deflate of real XML and
# media stays far below; a zip bomb is near deflate's ~1000:1), and the file is refused.
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_RATIO = 200
ZIP_RATIO_FROM_BYTES = MiB


def max_upload_bytes() -> int:
    return getattr(settings, "COLLATERAL_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)


def max_unpacked_bytes() -> int:
    return getattr(settings, "COLLATERAL_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES)


def extension_of(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return "jpg" if extension == "jpeg" else extension


def check_upload(file: File) -> str:
    """The file's extension when the file is acceptable; ValidationError({'file': ...}) otherwise."""
    limit = max_upload_bytes()
    if file.size is not None and file.size > limit:
        refuse(f"The file is {file.size / MiB:.1f} MiB; the limit is {limit / MiB:.0f} MiB.")
    extension = extension_of(file.name or "")
    if extension not in ALLOWED_EXTENSIONS:
        refuse(f"Files of type .{extension or '?'} are not accepted; use one of: {', '.join(ALLOWED_EXTENSIONS)}.")
    file.seek(0)
    data = file.read()
    file.seek(0)
    if MARKUP.search(data[:SNIFFED_BYTES]) or not _format_matches(extension, data):
        refuse(f"The file's content is not a valid .{extension} file.")
    if extension == "pdf":
        _check_pdf_is_inert(data)
    elif extension in OFFICE_PART:
        _check_office_is_inert(extension, data)
    return extension


def refuse(message: str) -> NoReturn:
    raise ValidationError({"file": message})


def _format_matches(extension: str, data: bytes) -> bool:
    if extension == "pdf":
        return data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]
    if extension == "png":
        return _is_png(data)
    if extension == "jpg":
        return data.startswith(b"\xff\xd8\xff") and data.rstrip(b"\x00\r\n").endswith(b"\xff\xd9")
    if extension == "mp4":
        return len(data) >= 12 and data[4:8] == b"ftyp"
    return _is_office(extension, data)


def _is_png(data: bytes) -> bool:
    """Walk the chunks, checking each CRC, to IEND at the very end: nothing may follow it."""
    if not data.startswith(PNG_SIGNATURE):
        return False
    offset = len(PNG_SIGNATURE)
    first = True
    while offset + 12 <= len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        crc_bytes = data[offset + 8 + length : offset + 12 + length]
        if len(body) != length or len(crc_bytes) != 4 or (first and kind != b"IHDR"):
            return False
        if zlib.crc32(kind + body) != struct.unpack(">I", crc_bytes)[0]:
            return False
        offset += 12 + length
        first = False
        if kind == b"IEND":
            return offset == len(data)
    return False


def _is_office(extension: str, data: bytes) -> bool:
    """An OOXML file is a zip that starts as one (no prefix) and holds its content types and parts."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False
    return "[Content_Types].xml" in names and any(name.startswith(OFFICE_PART[extension]) for name in names)


def _check_office_is_inert(extension: str, data: bytes) -> None:
    """No macros, and a zip directory that promises no bomb: read from the directory, nothing unpacked."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
    if any(entry.filename.lower().endswith("vbaproject.bin") for entry in entries):
        refuse(f"The .{extension} file contains macros (vbaProject.bin); save it without macros and upload it again.")
    if len(entries) > ZIP_MAX_ENTRIES:
        refuse(f"The .{extension} file has {len(entries)} parts; the limit is {ZIP_MAX_ENTRIES}.")
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > max_unpacked_bytes():
        refuse(
            f"The .{extension} file would unpack to {unpacked / MiB:.0f} MiB; "
            f"the limit is {max_unpacked_bytes() / MiB:.0f} MiB."
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size >= ZIP_RATIO_FROM_BYTES and ratio > ZIP_MAX_RATIO:
            refuse(
                f"The .{extension} file's part {entry.filename} is compressed {ratio:.0f} to 1; "
                f"the limit is {ZIP_MAX_RATIO} to 1."
            )


def _check_pdf_is_inert(data: bytes) -> None:
    found = set()
    for text in _pdf_object_text(data):
        found |= {name.decode() for name in PDF_ACTIVE_NAME.findall(text)}
    if found:
        names = ", ".join(f"/{name}" for name in sorted(found))
        refuse(
            f"The PDF contains JavaScript, attachments or automatic actions ({names}); "
            "save it without them (for example, print it to a new PDF) and upload it again."
        )


def _pdf_object_text(data: bytes) -> Iterator[bytes]:
    """Every byte of the PDF a reader may take as an object, with name escapes spelt out:
    all of it but the data of streams, plus the inflated object streams (PDF 1.5), which hold
    dictionaries. Stream data (images, fonts, page content) is skipped because its bytes are
    arbitrary and would spell names by chance; strings and comments are read like the rest.

    The lexer follows strings and comments only to know which `stream` keywords are real, so a
    keyword inside a string cannot hide what follows it. Stream data holding an object header is
    read too: a reader reaches such an object through the xref table, whatever surrounds it.
    """
    budget = PDF_MAX_INFLATED_BYTES
    start = position = steps = 0
    while lexeme := PDF_LEXEME.search(data, position):
        steps += 1
        if steps > PDF_MAX_LEXEMES:
            refuse(f"The PDF has more than {PDF_MAX_LEXEMES:,} strings and comments outside streams to check.")
        if lexeme[0] == b"(":
            position = _pdf_string_end(data, lexeme.end())
            continue
        if lexeme[0] == b"%":
            end_of_line = PDF_END_OF_LINE.search(data, lexeme.end())
            position = end_of_line.end() if end_of_line else len(data)
            continue
        position = lexeme.end()
        # Part of a longer word (endstream, /Upstream) is no keyword.
        if lexeme.start() > 0 and data[lexeme.start() - 1 : lexeme.start()] not in PDF_BEFORE_KEYWORD:
            continue
        end = data.find(b"endstream", lexeme.end())
        end = len(data) if end == -1 else end
        body = data[lexeme.end() : end]
        if b"obj" in body and PDF_OBJECT_HEADER.search(body):
            continue
        head = _pdf_spelt_out(data[start : lexeme.start()])
        yield head
        if PDF_OBJECT_STREAM.search(head):
            inflated = _pdf_inflate(head, body, budget)
            budget = max(budget - len(inflated), 0)
            yield _pdf_spelt_out(inflated)
        start = position = end + len(b"endstream")
    yield _pdf_spelt_out(data[start:])


def _pdf_string_end(data: bytes, position: int) -> int:
    """Where the string opened just before `position` ends: parentheses nest, a backslash escapes."""
    close = data.find(b")", position)
    # Most strings hold neither: then the first `)` ends them.
    if close != -1 and b"(" not in data[position:close] and b"\\" not in data[position:close]:
        return close + 1
    depth = 1
    for lexeme in PDF_STRING_LEXEME.finditer(data, position):
        depth += {b"(": 1, b")": -1}.get(lexeme[0], 0)
        if depth == 0:
            return lexeme.end()
    return len(data)


def _pdf_inflate(head: bytes, body: bytes, budget: int) -> bytes:
    """An object stream's content. Its dictionary ends `head`; a filter named anywhere in `head`
    counts, so a name hidden in another object can only make the check refuse, never skip."""
    filters = {name.decode() for name in PDF_FILTER_NAME.findall(head)}
    if not filters:
        return body
    inflated = None
    if filters <= {"FlateDecode", "Fl"}:
        try:
            inflated = zlib.decompressobj().decompress(body, budget + 1)
        except zlib.error:
            inflated = None
    if inflated is None or len(inflated) > budget:
        refuse(
            "The PDF's compressed objects cannot be checked for JavaScript (encrypted, unusual or too large); "
            "save it as a new, unencrypted PDF (for example, print it to PDF) and upload it again."
        )
    return inflated


def _pdf_spelt_out(text: bytes) -> bytes:
    if b"#" in text:
        for escape, letter in PDF_LETTER_ESCAPES:
            text = text.replace(escape, letter)
    return text
