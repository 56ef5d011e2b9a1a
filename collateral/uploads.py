"""Checks on an uploaded collateral file: size, extension, and that the bytes are what the
extension says (a PNG header glued to HTML is not a PNG).

Settings: COLLATERAL_MAX_UPLOAD_BYTES (default 50 MiB).
"""

import io
import re
import struct
import zipfile
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File

DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
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
MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|iframe|svg|object|embed|meta|style|a\s)", re.IGNORECASE)
OFFICE_PART = {"docx": "word/", "pptx": "ppt/", "xlsx": "xl/"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def max_upload_bytes() -> int:
    return getattr(settings, "COLLATERAL_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)


def extension_of(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return "jpg" if extension == "jpeg" else extension


def check_upload(file: File) -> str:
    """The file's extension when the file is acceptable; ValidationError({'file': ...}) otherwise."""
    limit = max_upload_bytes()
    if file.size is not None and file.size > limit:
        raise ValidationError(
            {"file": f"The file is {file.size / 1048576:.1f} MiB; the limit is {limit / 1048576:.0f} MiB."}
        )
    extension = extension_of(file.name or "")
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            {
                "file": f"Files of type .{extension or '?'} are not accepted; "
                f"use one of: {', '.join(ALLOWED_EXTENSIONS)}."
            }
        )
    file.seek(0)
    data = file.read()
    file.seek(0)
    if not _content_matches(extension, data):
        raise ValidationError({"file": f"The file's content is not a valid .{extension} file."})
    return extension


def _content_matches(extension: str, data: bytes) -> bool:
    if MARKUP.search(data[:4096]):
        return False
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
