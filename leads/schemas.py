"""The MQL contract: the lead exactly as marketing sends it (camelCase), with strict types.

`"85"` is not a number, `85.0` is not an integer and `true` is not one either; unknown
fields are ignored but reported back as warnings (see `unknown_fields`).
"""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field

# The contract is camelCase, so the field names are too.
STRICT = ConfigDict(strict=True, extra="ignore", str_strip_whitespace=True)
MAX_BATCH = 100
# The playbook's MQL; the API documentation shows it as the example.
EXAMPLE_LEAD: dict[str, Any] = {
    "leadId": "a1b2c3d4-e5f6-7890-g1h2-i3j4k5l6m7n8",
    "source": "ContentDownload_Whitepaper_Q2",
    "contactInfo": {
        "email": "jane.doe@acmecorp.com",
        "firstName": "Jane",
        "lastName": "Doe",
        "jobTitle": "Senior Software Engineer",
    },
    "firmographics": {"companyName": "Acme Corp", "industry": "SaaS", "employeeCount": 250},
    "engagementScore": 85,
    "qualificationCriteriaMet": ["downloaded_technical_whitepaper", "visited_pricing_page", "is_developer_title"],
}

Text = Annotated[str, Field(min_length=1, max_length=200)]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class ContactInfo(BaseModel):
    model_config = STRICT

    email: EmailStr = Field(max_length=254)
    firstName: Name
    lastName: Name
    jobTitle: Text


class Firmographics(BaseModel):
    model_config = STRICT

    companyName: Text
    industry: Name
    employeeCount: int = Field(ge=1, le=10_000_000)


class LeadIn(BaseModel):
    """One MQL. `leadId` is the sender's opaque id, not necessarily a UUID."""

    model_config = STRICT

    leadId: str = Field(min_length=1, max_length=64)
    source: Text
    contactInfo: ContactInfo
    firmographics: Firmographics
    engagementScore: int = Field(ge=0, le=100)
    qualificationCriteriaMet: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=50
    )


class LeadBatchIn(BaseModel):
    model_config = STRICT

    leads: list[Any] = Field(min_length=1, max_length=MAX_BATCH)


def unknown_fields(payload: Any, model: type[BaseModel] = LeadIn, prefix: str = "") -> list[str]:
    """Paths of the keys in `payload` that the contract does not know (they are ignored)."""
    if not isinstance(payload, dict):
        return []
    paths = []
    for key, value in payload.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        field = model.model_fields.get(key)
        if field is None:
            paths.append(path)
        elif isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            paths.extend(unknown_fields(value, field.annotation, path))
    return paths


def inline_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its `$defs` inlined, to embed in an OpenAPI operation."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)
