"""Uploads: size cap, extension allowlist, content check, server-made names, safe downloads."""

import io
import re
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from collateral.models import Asset, AssetVersion
from collateral.services import asset_add_version, asset_publish_version
from collateral.uploads import check_upload
from tests.collateral.factories import AssetFactory, docx_bytes, pdf_bytes, png_bytes, published_asset, upload

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64 + b"\xff\xd9"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 32
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


@pytest.mark.parametrize(
    ("name", "content"),
    [("a.pdf", pdf_bytes()), ("a.png", png_bytes()), ("a.JPEG", JPEG), ("a.docx", docx_bytes()), ("a.mp4", MP4)],
)
def test_genuine_files_of_each_allowed_type_pass(name, content):
    assert check_upload(upload(name, content)) in {"pdf", "png", "jpg", "docx", "mp4"}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("logo.png", png_bytes()[:16] + HTML),  # a PNG header glued to HTML
        ("logo.png", png_bytes() + HTML),  # HTML after the image's end
        ("brief.pdf", b"%PDF-1.4\n" + HTML + b"\n%%EOF"),
        ("brief.pdf", b"just text pretending\n%%EOF"),
        ("deck.docx", HTML + docx_bytes()),  # a zip still opens with a prefix; we refuse it
        ("deck.pptx", docx_bytes()),  # a Word file named .pptx
        ("photo.jpg", JPEG[:20] + HTML),
        ("clip.mp4", b"not a video at all"),
    ],
)
def test_a_polyglot_or_mislabelled_file_is_refused(name, content):
    with pytest.raises(ValidationError, match="not a valid"):
        check_upload(upload(name, content))


@pytest.mark.parametrize("name", ["page.html", "tool.exe", "image.svg", "noextension", "archive.pdf.html"])
def test_an_extension_outside_the_allowlist_is_refused(name):
    with pytest.raises(ValidationError, match="are not accepted"):
        check_upload(upload(name, pdf_bytes()))


def pdf_with(*objects: bytes) -> bytes:
    """A PDF whose catalog is object 1, followed by `objects` (numbered from 2)."""
    body = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    for number, content in enumerate(objects, start=2):
        body += b"%d 0 obj " % number + content + b" endobj\n"
    return body + b"trailer << /Root 1 0 R >>\n%%EOF\n"


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def object_stream(text: bytes) -> bytes:
    """An object stream (PDF 1.5): dictionaries stored compressed, as most PDF writers do today."""
    return stream(b"/Type /ObjStm /N 1 /First 5 /Filter /FlateDecode", zlib.compress(b"4 0 " + text))


OPEN_WITH_SCRIPT = b"<< /Type /Pages /Kids [] /Count 0 >>"
SCRIPTED_PDFS = {
    "open action running JavaScript": pdf_with(
        OPEN_WITH_SCRIPT, b"<< /OpenAction 3 0 R >>", b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    ),
    "name spelt with #xx escapes": pdf_with(OPEN_WITH_SCRIPT, b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"),
    "launch action": pdf_with(OPEN_WITH_SCRIPT, b"<< /S /Launch /F (calc.exe) >>"),
    "page additional actions": pdf_with(b"<< /Type /Pages /Kids [] /Count 0 /AA << /O 3 0 R >> >>"),
    "embedded file": pdf_with(OPEN_WITH_SCRIPT, b"<< /Type /EmbeddedFile /Length 0 >>"),
    "script hidden in an object stream": pdf_with(OPEN_WITH_SCRIPT, object_stream(b"<< /S /JavaScript /JS (x) >>")),
    # Tricks that would make a naive scanner skip bytes a reader parses:
    "stream keyword inside a string": pdf_with(
        b"<< /Title (x >> stream\n) /OpenAction << /S /JavaScript /JS (x) >> /Note (endstream) >>"
    ),
    "stream keyword inside a comment": pdf_with(
        b"<< % >> stream\n /OpenAction << /S /JavaScript /JS (x) >> /Note (endstream) >>"
    ),
    "object inside another stream's data": pdf_with(
        stream(b"/Type /XObject /Subtype /Image", b"\x00\x01 7 0 obj << /S /Launch /F (calc.exe) >> endobj \xff")
    ),
    "object stream named before an obj inside a string": pdf_with(
        b"<< /Type /ObjStm /Note (obj) /N 1 /First 5 /Filter /FlateDecode >>\nstream\n"
        + zlib.compress(b"4 0 << /S /JavaScript /JS (x) >>")
        + b"\nendstream"
    ),
}


@pytest.mark.parametrize("content", SCRIPTED_PDFS.values(), ids=SCRIPTED_PDFS.keys())
def test_a_pdf_with_javascript_or_automatic_actions_is_refused(content):
    with pytest.raises(ValidationError, match="contains JavaScript, attachments or automatic actions") as refused:
        check_upload(upload("brief.pdf", content))
    assert refused.value.message_dict["file"] == [refused.value.message_dict["file"][0]]


def test_the_refusal_names_what_the_pdf_contains():
    with pytest.raises(ValidationError, match=r"\(/JS, /JavaScript\)"):
        check_upload(upload("brief.pdf", SCRIPTED_PDFS["open action running JavaScript"]))


def test_a_pdf_whose_object_streams_cannot_be_read_is_refused():
    unreadable = stream(b"/Type /ObjStm /N 1 /First 5 /Filter /FlateDecode", b"encrypted bytes, not deflate")
    with pytest.raises(ValidationError, match="compressed objects cannot be checked"):
        check_upload(upload("brief.pdf", pdf_with(OPEN_WITH_SCRIPT, unreadable)))


def test_a_pdf_with_more_strings_than_can_be_checked_is_refused(monkeypatch):
    # Two strings, and two comments (the %PDF header and the %%EOF trailer), then two more strings.
    monkeypatch.setattr("collateral.uploads.PDF_MAX_LEXEMES", 4)
    assert check_upload(upload("brief.pdf", pdf_with(b"<< /A (1) /B (2) >>"))) == "pdf"
    with pytest.raises(ValidationError, match="more than 4 strings and comments outside streams"):
        check_upload(upload("brief.pdf", pdf_with(b"<< /A (1) /B (2) /C (3) /D (4) >>")))


def test_a_plain_pdf_with_an_open_action_and_binary_streams_passes():
    # Opening at a page is harmless; image bytes that happen to spell /JS are data, not a name.
    content = pdf_with(
        b"<< /Type /Pages /Kids [] /Count 0 /OpenAction [2 0 R /Fit] >>",
        stream(b"/Type /XObject /Subtype /Image", b"\x00/JS /AA /Launch\xff"),
        object_stream(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
    )
    assert check_upload(upload("brief.pdf", content)) == "pdf"


def office_file(parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def never_unpacked(monkeypatch):
    """The Office checks read the zip's directory only: opening a member fails the test."""

    write = zipfile.ZipFile.open

    def refuse_to_unpack(archive, name, mode="r", *args, **kwargs):
        assert mode == "w", f"the zip member {name} was unpacked"
        return write(archive, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse_to_unpack)


@pytest.mark.parametrize(("name", "part"), [("deck.pptx", "ppt/vbaProject.bin"), ("sheet.xlsx", "xl/vbaProject.bin")])
def test_an_office_file_with_macros_is_refused(never_unpacked, name, part):
    content = office_file({part.split("/")[0] + "/document.xml": b"<document/>", part: b"\xd0\xcf\x11\xe0 macro"})
    with pytest.raises(ValidationError, match=r"contains macros \(vbaProject.bin\)"):
        check_upload(upload(name, content))


def test_a_zip_bomb_by_declared_size_is_refused(never_unpacked, settings):
    settings.COLLATERAL_MAX_UNPACKED_BYTES = 1024 * 1024
    # Stored, not compressed: the ratio is 1, only the total gives it away.
    content = office_file({"word/document.xml": b"x" * (2 * 1024 * 1024)}, compression=zipfile.ZIP_STORED)
    with pytest.raises(ValidationError, match="would unpack to 2 MiB; the limit is 1 MiB"):
        check_upload(upload("deck.docx", content))


def test_a_zip_bomb_by_compression_ratio_is_refused(never_unpacked):
    content = office_file({"word/document.xml": b"<document/>", "word/media/fill.bin": bytes(16 * 1024 * 1024)})
    assert len(content) < 64 * 1024
    with pytest.raises(
        ValidationError, match=r"part word/media/fill.bin is compressed \d+ to 1; the limit is 200 to 1"
    ):
        check_upload(upload("deck.docx", content))


def test_a_genuine_office_file_passes_without_being_unpacked(never_unpacked):
    assert check_upload(upload("deck.docx", docx_bytes())) == "docx"


def test_a_file_over_the_size_cap_is_refused(settings):
    settings.COLLATERAL_MAX_UPLOAD_BYTES = 1024 * 1024
    with pytest.raises(ValidationError, match="the limit is 1 MiB"):
        check_upload(upload("big.pdf", pdf_bytes() + b"0" * 1024 * 1024))


def test_a_refused_upload_through_the_service_stores_nothing(admin, media_root):
    asset = AssetFactory()
    with pytest.raises(ValidationError):
        asset_add_version(asset=asset, by=admin, version="1.0.0", file=upload("x.png", png_bytes()[:16] + HTML))
    assert not AssetVersion.objects.exists()
    assert stored_files(media_root) == []


def admin_post_data(**version_fields) -> dict:
    data = {
        "asset_id": "",
        "type": "CaseStudy",
        "title": "Uploaded story",
        "description": "",
        "tags": "fintech",
        "review_by": "",
        "archived_at_0": "",
        "archived_at_1": "",
        "versions-TOTAL_FORMS": "1",
        "versions-INITIAL_FORMS": "0",
        "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "1000",
        "versions-0-version": "1.0.0",
        "versions-0-external_url": "",
        "versions-0-changelog": "First cut",
    }
    data.update({f"versions-0-{k}": v for k, v in version_fields.items()})
    return data


@pytest.fixture
def admin_client(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def test_admin_upload_stores_under_a_server_made_name(admin_client, media_root):
    response = admin_client.post(
        "/admin/collateral/asset/add/", admin_post_data(file=upload("../../etc/Q3 deck (final).pdf", pdf_bytes()))
    )
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    version = AssetVersion.objects.get()
    assert re.fullmatch(r"collateral/[0-9a-f]{32}\.pdf", version.file.name)
    assert (version.file_extension, version.file_size) == ("pdf", len(pdf_bytes()))
    assert [p.name for p in stored_files(media_root)] == [version.file.name.split("/")[1]]
    assert Asset.objects.get().asset_id == "CS-0001"


def test_admin_shows_one_reason_for_a_refused_upload(admin_client, media_root):
    response = admin_client.post(
        "/admin/collateral/asset/add/",
        admin_post_data(file=upload("brief.pdf", SCRIPTED_PDFS["open action running JavaScript"])),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("contains JavaScript, attachments or automatic actions") == 1
    assert "Give either a file or an external URL" not in page
    assert not AssetVersion.objects.exists() and stored_files(media_root) == []


def test_admin_asks_for_a_file_or_a_url_when_neither_is_given(admin_client):
    response = admin_client.post("/admin/collateral/asset/add/", admin_post_data())
    assert response.status_code == 200
    assert response.content.decode().count("Give either a file or an external URL") == 1
    assert not AssetVersion.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.png", png_bytes()[:16] + HTML, "not a valid .png"),
        ("page.html", HTML, "are not accepted"),
        ("big.pdf", pdf_bytes() + b"0" * 2048, "the limit is"),
    ],
)
def test_admin_refuses_a_bad_upload_with_a_message_and_stores_nothing(
    admin_client, media_root, settings, name, content, message
):
    settings.COLLATERAL_MAX_UPLOAD_BYTES = 1024
    response = admin_client.post("/admin/collateral/asset/add/", admin_post_data(file=upload(name, content)))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Asset.objects.exists() and not AssetVersion.objects.exists()
    assert stored_files(media_root) == []


@pytest.fixture
def uploaded(admin):
    def make(name: str, content: bytes):
        asset = published_asset(by=admin, asset_id="CS-0007")
        version = asset_add_version(asset=asset, by=admin, version="2.0.0", file=upload(name, content))
        return asset_publish_version(version=version, by=admin)

    return make


def test_downloads_are_attachments_with_nosniff_and_a_safe_name(rep, uploaded):
    uploaded("deck.docx", docx_bytes())
    client = Client()
    client.force_login(rep)
    for url in ["/c/CS-0007/download/", "/collateral/CS-0007/v/2.0.0/download/?inline=1"]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="CS-0007-v2.0.0.docx"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert b"".join(response.streaming_content) == docx_bytes()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("a.pdf", pdf_bytes(), "application/pdf"), ("a.png", png_bytes(), "image/png")],
)
def test_pdf_and_images_may_be_previewed_inline(rep, uploaded, name, content, content_type):
    uploaded(name, content)
    client = Client()
    client.force_login(rep)
    response = client.get("/collateral/CS-0007/v/2.0.0/download/", {"inline": "1"})
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
