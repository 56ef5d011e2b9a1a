import pytest

PLAYBOOK_ASSET = {
    "assetId": "CS-0042",
    "type": "CaseStudy",
    "title": "How Acme Corp Increased API Performance by 300%",
    "version": "2.1.0",
    "status": "published",
    "tags": ["api_performance", "fintech", "scalability", "competitor_x"],
    "targetAudience": ["CTO", "VP of Engineering"],
    "url": "https://cdn.your-assets.com/case-study-acme-corp.pdf",
}


@pytest.fixture
def playbook_asset() -> dict:
    return dict(PLAYBOOK_ASSET)
