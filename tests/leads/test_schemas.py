from django.core.validators import MaxValueValidator, MinValueValidator

from leads.models import Lead
from leads.schemas import LeadIn
from leads.validation import FIELD_PATHS


def contract_field(path: str):
    model, field = LeadIn, None
    for part in path.split("."):
        field = model.model_fields[part]
        model = field.annotation
    return field


def bound(field, kind: str):
    return next((getattr(m, kind) for m in field.metadata if hasattr(m, kind)), None)


def test_the_contract_is_at_least_as_strict_as_the_lead_model():
    # Intake relies on the contract instead of cleaning every row: it must never let through
    # a value the model's own fields would refuse.
    for name, path in FIELD_PATHS.items():
        model_field, field = Lead._meta.get_field(name), contract_field(path)
        if model_field.get_internal_type() == "CharField" or name == "email":
            limit = bound(field, "max_length")
            assert limit is not None and limit <= model_field.max_length, name
        for validator in model_field.validators:
            if isinstance(validator, MaxValueValidator):
                assert bound(field, "le") <= validator.limit_value, name
            if isinstance(validator, MinValueValidator):
                assert bound(field, "ge") >= validator.limit_value, name
