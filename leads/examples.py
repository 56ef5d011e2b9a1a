"""Ready-to-run `curl` examples for a lead integration's first request, unsigned or signed.

Shown on the admin page of a new key and printed by `manage.py create_integration`. The signed
example computes the signature of leads/guards.py `sign` in the shell: base64 of
HMAC-SHA256(secret, method + full URL + body + timestamp in milliseconds).
"""

import json
import shlex
from dataclasses import dataclass

from leads.guards import SIGNATURE_HEADER, TIMESTAMP_HEADER
from leads.schemas import EXAMPLE_LEAD

LEADS_PATH = "/api/v1/leads"
KEY_PLACEHOLDER = "PASTE-THE-KEY-HERE"
SECRET_PLACEHOLDER = "PASTE-THE-SIGNING-SECRET-HERE"  # noqa: S105 (a placeholder, not a secret)


@dataclass(frozen=True)
class Example:
    title: str
    script: str


def example_body() -> str:
    return json.dumps({**EXAMPLE_LEAD, "leadId": "example-0001"}, separators=(",", ":"))


def intake_examples(*, endpoint: str, token: str = "", signing_secret: str = "", signs: bool = False) -> list[Example]:
    """The unsigned example, and the signed one for an integration that signs (`signs`, or a
    `signing_secret` given); the key and secret are filled in when given, else placeholders."""
    variables = [
        f"URL={shlex.quote(endpoint)}",
        f"KEY={shlex.quote(token or KEY_PLACEHOLDER)}",
        f"BODY={shlex.quote(example_body())}",
    ]
    request = [
        'curl -sS -X POST "$URL"',
        '  -H "Authorization: Bearer $KEY"',
        "  -H 'Content-Type: application/json'",
    ]
    unsigned = Example("Unsigned request", "\n".join([*variables, " \\\n".join([*request, '  --data "$BODY"'])]))
    if not (signs or signing_secret):
        return [unsigned]
    signing = [
        f"SECRET={shlex.quote(signing_secret or SECRET_PLACEHOLDER)}",
        "TS=$(( $(date +%s) * 1000 ))",
        "SIG=$(printf '%s' \"POST${URL}${BODY}${TS}\""
        ' | openssl dgst -sha256 -hmac "$SECRET" -binary | openssl base64 -A)',
    ]
    headers = [f'  -H "{TIMESTAMP_HEADER}: $TS"', f'  -H "{SIGNATURE_HEADER}: $SIG"', '  --data "$BODY"']
    signed = Example(
        "Signed request (this integration signs: unsigned requests are refused with 401)",
        "\n".join([*variables, *signing, " \\\n".join([*request, *headers])]),
    )
    return [signed]
