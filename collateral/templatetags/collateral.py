from typing import TYPE_CHECKING, Any

from django import template
from django.http import QueryDict
from django.template import Context
from django.utils.safestring import SafeString

from collateral.search import Understood
from collateral.search.highlight import highlight as highlight_words
from collateral.selectors import assets_shared_on_deal

if TYPE_CHECKING:
    from pipeline.models import Deal

register = template.Library()


@register.simple_tag(takes_context=True)
def facet_url(context: Context, param: str, value: str, selected: bool) -> str:
    """The library URL with this facet value chosen, or removed when it already is; back to page 1."""
    params: QueryDict = context["request"].GET.copy()
    params.pop("page", None)
    if selected:
        params.pop(param, None)
    else:
        params[param] = value
    return f"{context['request'].path}?{params.urlencode()}"


@register.simple_tag(takes_context=True)
def page_url(context: Context, number: int) -> str:
    params: QueryDict = context["request"].GET.copy()
    params["page"] = str(number)
    return f"{context['request'].path}?{params.urlencode()}"


@register.inclusion_tag("collateral/partials/deal_collateral.html")
def deal_collateral(deal: "Deal") -> dict[str, Any]:
    """`{% load collateral %}{% deal_collateral deal %}`: the assets shared on a deal page."""
    return {"deal": deal, "shared_assets": assets_shared_on_deal(deal=deal)}


@register.filter
def highlight(text: str, understood: Understood | None) -> SafeString:
    """`{{ asset.title|highlight:understood }}`: the words the search matched in <mark>."""
    return highlight_words(text, understood)
