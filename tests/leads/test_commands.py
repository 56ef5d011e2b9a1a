"""`manage.py create_integration NAME [--signing-secret]`: a working key, printed once, with the
endpoint and a ready curl example that is run here against a live server."""

import io
import re
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command

from accounts.models import hash_api_key
from leads.models import Integration, Lead
from tests.conftest import require
from tests.leads.factories import PLAYBOOK_LEAD
from tests.leads.helpers import send


def create(*args: str) -> str:
    out = io.StringIO()
    call_command("create_integration", *args, stdout=out)
    return out.getvalue()


def printed(label: str, output: str) -> str:
    return re.search(rf"^{label} (\S+)$", output, re.MULTILINE).group(1)


def example(output: str) -> str:
    return output.split("\n# ", 1)[1].split("\n", 1)[1]


@pytest.mark.django_db
def test_it_prints_a_working_key_and_the_example(client):
    output = create("HubSpot", "--base-url", "https://portal.example.com/")
    integration = Integration.objects.select_related("api_key").get(name="HubSpot")
    token = printed("KEY", output)
    assert hash_api_key(token) == integration.api_key.key_hash
    assert integration.api_key.scopes == ["leads:write"] or "leads:write" in integration.api_key.scopes
    assert not integration.signs_requests
    assert "Endpoint: POST https://portal.example.com/api/v1/leads" in output
    assert f"KEY={token}" in output and "URL=https://portal.example.com/api/v1/leads" in output
    assert "X-Signature" not in output
    # A request with it is accepted.
    assert send(client, PLAYBOOK_LEAD, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 201


@pytest.mark.django_db
def test_with_signing_secret_it_prints_the_secret_and_a_signed_example(client):
    output = create("Marketo", "--signing-secret")
    integration = Integration.objects.get(name="Marketo")
    assert printed("SECRET", output) == integration.signing_secret
    assert "X-Signature: $SIG" in output and "openssl dgst -sha256 -hmac" in output
    # Unsigned, the printed key is refused: this integration signs.
    token = printed("KEY", output)
    assert send(client, PLAYBOOK_LEAD, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


@pytest.mark.django_db
def test_a_taken_name_is_refused():
    create("HubSpot")
    with pytest.raises(CommandError, match="name"):
        create("HubSpot")
    assert Integration.objects.count() == 1


@pytest.mark.parametrize("signing", [False, True], ids=["unsigned", "signed"])
def test_the_printed_curl_example_works_as_it_is(live_server, transactional_db, signing):
    require(bool(shutil.which("curl") and shutil.which("openssl")), "curl and openssl are needed")
    output = create("Pardot", "--base-url", live_server.url, *(["--signing-secret"] if signing else []))
    result = subprocess.run(["bash", "-c", example(output)], capture_output=True, text=True, timeout=60, check=False)
    assert '"status"' in result.stdout or result.returncode == 0, result.stderr
    lead = Lead.objects.get()
    assert lead.lead_id == "example-0001"
    assert lead.integration.name == "Pardot"
