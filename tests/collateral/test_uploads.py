"""Uploads: size cap, extension allowlist, content check, server-made names, safe downloads."""

import re

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
