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
from django.core.files.uploadedfile import UploadedFile

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
PDF_NAME = re.compile(rb"/([^\s()<>\[\]{}/%]*)")
PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
PDF_STREAM = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\n|\r)")
# Object streams hide dictionaries in compressed bytes; inflating them is capped, never unbounded.
PDF_MAX_INFLATED_BYTES = 64 * MiB
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


def check_upload(file: UploadedFile) -> str:
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
    for text in _pdf_dictionaries(data):
        found |= _pdf_names(text) & PDF_ACTIVE_NAMES
    if found:
        names = ", ".join(f"/{name}" for name in sorted(found))
        refuse(
            f"The PDF contains JavaScript, attachments or automatic actions ({names}); "
            "save it without them (for example, print it to a new PDF) and upload it again."
        )


def _pdf_dictionaries(data: bytes) -> Iterator[bytes]:
    """Every byte of the PDF that is not stream data, and the inflated object streams.

    Stream data (images, fonts, page content) is skipped: its bytes are arbitrary and would
    match names by chance. Object streams (PDF 1.5) are the exception: they hold dictionaries.
    """
    budget = PDF_MAX_INFLATED_BYTES
    position = 0
    while match := PDF_STREAM.search(data, position):
        head = data[position : match.start()]
        yield head
        end = data.find(b"endstream", match.end())
        end = len(data) if end == -1 else end
        stream_dictionary = head[max(head.rfind(b"obj"), 0) :]
        if "ObjStm" in _pdf_names(stream_dictionary):
            inflated = _pdf_inflate(stream_dictionary, data[match.end() : end], budget)
            budget -= len(inflated)
            yield inflated
        position = end + len(b"endstream")
    yield data[position:]


def _pdf_inflate(stream_dictionary: bytes, body: bytes, budget: int) -> bytes:
    names = _pdf_names(stream_dictionary)
    filters = names & {"FlateDecode", "Fl", "ASCIIHexDecode", "ASCII85Decode", "LZWDecode", "RunLengthDecode"}
    if not filters:
        return body
    try:
        if filters - {"FlateDecode", "Fl"}:
            raise zlib.error("not a plain deflate stream")
        inflater = zlib.decompressobj()
        inflated = inflater.decompress(body, budget + 1)
    except zlib.error:
        inflated = None
    if inflated is None or len(inflated) > budget:
        refuse(
            "The PDF's compressed objects cannot be checked for JavaScript (encrypted, unusual or too large); "
            "save it as a new, unencrypted PDF (for example, print it to PDF) and upload it again."
        )
    return inflated


def _pdf_names(text: bytes) -> set[str]:
    # A name may spell its letters as #xx escapes (/J#61vaScript is /JavaScript).
    return {
        PDF_NAME_ESCAPE.sub(lambda escape: bytes([int(escape[1], 16)]), name).decode("latin-1")
        for name in PDF_NAME.findall(text)
    }
