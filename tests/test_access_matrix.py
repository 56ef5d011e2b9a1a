"""Every page of the portal by every persona, generated from the URLconf and the navigation.

Each URL pattern is walked (path parameters filled with the ids of objects of the persona's own
team and of another team) for each persona: a page whose navigation entry the persona sees
answers 200, one whose entry is hidden answers 403 or 404, another team's object is a 404, and
the anonymous are sent to the login page. A pattern this module does not know how to fill fails
the test, so a new page is covered the day it is added: say in PAGES who may open it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.contrib.admin.sites import site as admin_site
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import User
from accounts.navigation import NAVIGATION, navigation_for
from leads.models import Lead
from pipeline.models import Deal
from telemetry.services import telemetry_recompute
from tests.collateral.factories import published_asset
from tests.leads.factories import LeadFactory
from tests.pipeline.factories import DealFactory
from tests.training.factories import CallReviewFactory, QuizFactory, UpdateFactory, add_question, scorecard_with
from training.models import Refresher

PERSONAS = ["rep", "other_rep", "manager", "other_manager", "admin", "marketing"]
# Which team's objects are a persona's own ("a" is rep's and manager's team, "b" the other);
# marketing ops belongs to no team.
SIDE = {"rep": "a", "manager": "a", "admin": "a", "other_rep": "b", "other_manager": "b", "marketing": None}
OTHER_SIDE = {"a": "b", "b": "a", None: "a"}

# Not walked here, and why:
# - /api/: the API answers with problem+json and its own auth (keys, sessions); schemathesis covers
#   every operation of its schema.
# - /admin/: Django admin checks its model permissions itself; only its index is walked, per persona
#   (test_the_admin_index_opens_for_whoever_sees_its_navigation_entry).
NOT_WALKED = ("api/", "admin/")


def walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    """(route, name) of every URL pattern: namespaced names; an unnamed pattern is named by its route."""
    found = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += walk(entry, route, inner)
        elif isinstance(entry, URLPattern):
            found.append((route, f"{namespace}{entry.name}" if entry.name else route))
    return found


URL_PATTERNS = [(route, name) for route, name in walk(get_resolver()) if not route.lstrip("^").startswith(NOT_WALKED)]


# ---------------------------------------------------------------------------
# Who may open each page
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Page:
    """Who may open a page: those who see the navigation entry `section`, or exactly `personas`.

    `target` names the object its path parameters point to (see TARGETS); `ok` is the answer an
    allowed persona gets; `post` marks an action that answers only POST.
    """

    section: str = ""
    personas: frozenset[str] = frozenset()
    target: str = ""
    ok: int = 200
    post: bool = False

    def allows(self, persona: str, user) -> bool:
        if self.personas:
            return persona in self.personas
        return any(link.url == reverse(self.section) for link in navigation_for(user))


SIGNED_IN = frozenset(PERSONAS)
# Call reviews have no navigation entry: reps read theirs, managers their team's, admins every team's.
REVIEWERS = frozenset({"rep", "other_rep", "manager", "other_manager", "admin"})
ADMIN_ONLY = frozenset({"admin"})
# Changing who owns a deal or a lead: managers (their team's) and enablement admins.
REASSIGNERS = frozenset({"manager", "other_manager", "admin"})
REPS = frozenset({"rep", "other_rep"})
COACHES = frozenset({"manager", "other_manager", "admin"})

PAGES: dict[str, Page] = {
    # Project pages: the login page is public (and sends the signed-in home), the rest any signed-in person's.
    "login": Page(personas=SIGNED_IN, ok=302),
    "logout": Page(personas=SIGNED_IN, ok=302, post=True),
    "password_change": Page(personas=SIGNED_IN),
    "password_change_done": Page(personas=SIGNED_IN),
    "favicon.ico": Page(personas=SIGNED_IN, ok=301),
    "accounts:home": Page("accounts:home"),
    "accounts:team": Page("accounts:team"),
    # The navigation's search box: every signed-in person searches what they may see.
    "accounts:search": Page(personas=SIGNED_IN),
    "leads:inbox": Page("leads:inbox"),
    "leads:quality": Page("leads:quality"),
    "leads:detail": Page("leads:inbox", target="lead"),
    "leads:accept": Page("leads:inbox", target="lead", post=True),
    "leads:return": Page("leads:inbox", target="lead", post=True),
    "leads:convert": Page("leads:inbox", target="lead", post=True),
    "leads:reassign": Page(personas=REASSIGNERS, target="lead", post=True),
    "leads:handover": Page(personas=REASSIGNERS),
    # The navigation's "Deals" is the deal list; the board is one click away on it.
    "pipeline:deal_list": Page("pipeline:deal_list"),
    "pipeline:deal_list_csv": Page("pipeline:deal_list"),
    "pipeline:deal_new": Page("pipeline:deal_list"),
    "pipeline:board": Page("pipeline:deal_list"),
    "pipeline:board_column": Page("pipeline:deal_list", target="stage"),
    "pipeline:board_move": Page("pipeline:deal_list", target="deal", post=True),
    "pipeline:deal": Page("pipeline:deal_list", target="deal"),
    "pipeline:deal_move": Page("pipeline:deal_list", target="deal", post=True),
    "pipeline:deal_check": Page("pipeline:deal_list", target="deal", post=True),
    "pipeline:deal_edit": Page("pipeline:deal_list", target="deal"),
    "pipeline:deal_reassign": Page(personas=REASSIGNERS, target="deal", post=True),
    "collateral:library": Page("collateral:library"),
    # Reviewing what is due for review is curation: enablement admins only.
    "collateral:stale": Page(personas=ADMIN_ONLY),
    "collateral:asset": Page("collateral:library", target="asset"),
    "collateral:share": Page("collateral:library", target="asset", post=True),
    "collateral:publish": Page(personas=ADMIN_ONLY, target="asset"),
    "collateral:version": Page("collateral:library", target="version"),
    # A version with an external URL is served by a redirect to it.
    "collateral:download": Page("collateral:library", target="version", ok=302),
    "collateral:permalink": Page("collateral:library", target="asset", ok=302),
    "collateral:permalink_download": Page("collateral:library", target="asset", ok=302),
    "training:home": Page("training:home"),
    # Modules are not private: any signed-in person opens one (admins preview what they write).
    "training:module": Page(personas=SIGNED_IN, target="module"),
    "training:quiz": Page(personas=SIGNED_IN, target="module"),
    "training:quiz_start": Page(personas=SIGNED_IN, target="module", post=True),
    # A refresher is its rep's own practice: nobody else opens it (managers read retention on the team page).
    "training:refresher": Page(personas=REPS, target="refresher"),
    "training:module_complete": Page(personas=SIGNED_IN, target="module", post=True),
    "training:updates": Page("training:updates"),
    "training:update_acknowledge": Page("training:updates", target="update", post=True),
    "training:reviews": Page(personas=REVIEWERS),
    "training:review": Page(personas=REVIEWERS, target="review"),
    "training:review_acknowledge": Page(personas=REVIEWERS, target="review", post=True),
    # Coaches comment on a call after the review is written; the rep and coaches answer; authors edit.
    "training:review_comment_add": Page(personas=COACHES, target="review", post=True),
    "training:review_comment_reply": Page(personas=REVIEWERS, target="comment", post=True),
    "training:review_comment_edit": Page(personas=frozenset({"manager", "other_manager"}), target="comment"),
    # A person's progress: one's own, and for managers and admins the people they follow.
    "training:person": Page(personas=SIGNED_IN, target="person"),
    "training:review_create": Page("training:team", target="person"),
    "training:call_upload": Page("training:team", target="person"),
    "training:call_rep_speaker": Page(personas=COACHES, target="review", post=True),
    "training:team": Page("training:team"),
    "training:team_csv": Page("training:team"),
    "training:team_updates": Page("training:team"),
    "training:enrol": Page("training:team"),
    "telemetry:dashboard": Page("telemetry:dashboard"),
    # Starting a recomputation is the enablement admins' (telemetry.recompute_telemetry).
    "telemetry:recompute": Page(personas=ADMIN_ONLY, post=True),
    "telemetry:table_csv": Page("telemetry:dashboard", target="table"),
    # Recommendations and coaching reach whoever sees the board (on the deals they see); the gate
    # report is read like the dashboard; assigning coaching is a manager's (their reps) or an admin's.
    "telemetry:deal_recommendations": Page("pipeline:deal_list", target="deal"),
    "telemetry:deal_recommendation_share": Page("pipeline:deal_list", target="deal_asset", post=True),
    "telemetry:coaching": Page("pipeline:deal_list"),
    "telemetry:coaching_assign": Page("telemetry:dashboard", target="person", post=True),
    "telemetry:gates": Page("telemetry:dashboard"),
    "telemetry:gates_csv": Page("telemetry:dashboard", target="snapshot"),
}


# ---------------------------------------------------------------------------
# The objects path parameters point to
# ---------------------------------------------------------------------------
@pytest.fixture
def world(rep, teammate, manager, other_rep, other_manager, admin, marketing) -> dict:
    """For each team side ("a", "b"): a lead, a deal, a call review and an update of that team,
    and its rep; objects every team shares (an asset, a module with a quiz); a scorecard to review with."""
    reps = {"a": rep, "b": other_rep}
    managers = {"a": manager, "b": other_manager}
    world: dict = {"person": {**reps, None: marketing}}
    world["lead"] = {side: LeadFactory(owner=reps[side], team=reps[side].team) for side in reps}
    world["deal"] = {side: DealFactory(owner=reps[side]) for side in reps}
    world["review"] = {side: CallReviewFactory(rep=reps[side], reviewer=managers[side]) for side in reps}
    world["comment"] = {
        side: review.comments.create(at_seconds=65, text="Good question", author=managers[side])
        for side, review in world["review"].items()
    }
    world["update"] = {side: UpdateFactory() for side in reps}
    for side, update in world["update"].items():
        update.audience_teams.set([reps[side].team])
    # Marketing ops has no team: its own update is one for everyone.
    world["update"][None] = UpdateFactory()
    world["asset"] = published_asset(by=admin)
    quiz = QuizFactory()
    add_question(quiz, "Which stage comes first?", [("Lead in", True), ("Closing", False)])
    world["module"] = quiz.module
    world["refresher"] = {
        side: Refresher.objects.create(
            user=reps[side], module=quiz.module, interval_days=2, due_on=timezone.localdate()
        )
        for side in reps
    }
    for refresher in world["refresher"].values():
        refresher.questions.set(quiz.questions.all())
    scorecard_with("Discovery questions")
    return world


def _shared(kind: str) -> Callable:
    return lambda world, side: world[kind]


# target -> (world, side) -> the object; then the object -> the path parameters.
TARGETS: dict[str, tuple[Callable, Callable]] = {
    "lead": (lambda world, side: world["lead"][side or "a"], lambda lead: {"pk": lead.pk}),
    "deal": (lambda world, side: world["deal"][side or "a"], lambda deal: {"pk": deal.pk}),
    "review": (lambda world, side: world["review"][side or "a"], lambda review: {"pk": review.pk}),
    "comment": (lambda world, side: world["comment"][side or "a"], lambda comment: {"pk": comment.pk}),
    "refresher": (lambda world, side: world["refresher"][side or "a"], lambda refresher: {"pk": refresher.pk}),
    "update": (lambda world, side: world["update"][side], lambda update: {"pk": update.pk}),
    "person": (lambda world, side: world["person"][side], lambda person: {"user_id": person.pk}),
    "module": (_shared("module"), lambda module: {"pk": module.pk}),
    "asset": (_shared("asset"), lambda asset: {"asset_id": asset.asset_id}),
    "version": (
        _shared("asset"),
        lambda asset: {"asset_id": asset.asset_id, "version": asset.current_version.version},
    ),
    "table": (lambda world, side: _snapshot(), lambda slug: {"slug": slug}),
    "stage": (lambda world, side: "LeadIn", lambda stage: {"stage": stage}),
    "snapshot": (lambda world, side: _snapshot(), lambda slug: {}),
    "deal_asset": (
        lambda world, side: (world["deal"][side or "a"], world["asset"]),
        lambda pair: {"pk": pair[0].pk, "asset_id": pair[1].asset_id},
    ),
}
# Objects that belong to a team; the others (content, tables) are the same for everyone.
TEAM_TARGETS = {"lead", "deal", "review", "update", "person", "comment", "refresher", "deal_asset"}


def _snapshot() -> str:
    """A table of a stored telemetry snapshot (its CSV is a 404 until a snapshot exists)."""
    telemetry_recompute(as_of=timezone.localdate())
    return "win-rate-rep"


def _url(name: str, route: str, page: Page, world: dict, side: str | None) -> str:
    if not page.target:
        # An unnamed pattern (the favicon) is its own route.
        return "/" + route if name == route else reverse(name)
    find, parameters = TARGETS[page.target]
    return reverse(name, kwargs=parameters(find(world, side)))


# ---------------------------------------------------------------------------
# The matrix
# ---------------------------------------------------------------------------
def _answer(client, url: str, page: Page):
    return client.post(url) if page.post else client.get(url)


def _expectations(persona: str, user, page: Page) -> list[tuple[str | None, str]]:
    """(side of the object, what the answer must be) for each request `persona` makes."""
    side = SIDE[persona]
    if not page.allows(persona, user):
        return [(side, "refused")]
    if page.target not in TEAM_TARGETS:
        return [(side, "ok")]
    # Enablement admins see every team; everyone else finds another team's object missing.
    return [(side, "ok"), (OTHER_SIDE[side], "ok" if persona == "admin" else "missing")]


def _problem(response, expected: str, page: Page) -> str:
    status = response.status_code
    if expected == "refused" and status in {403, 404}:
        return ""
    if expected == "missing" and status == 404:
        return ""
    # An action done by someone allowed may still be refused on its merits (409, 422): never a 403/404.
    if expected == "ok" and (status == page.ok or (page.post and status < 500 and status not in {403, 404})):
        return ""
    want = {"refused": "403 or 404", "missing": "404", "ok": str(page.ok)}[expected]
    return f"{status}, expected {want}"


def _anonymous_problem(response, name: str) -> str:
    if name in {"login", "favicon.ico"}:
        # Public: the login page itself, and the icon browsers ask for.
        return "" if response.status_code in {200, 301} else f"{response.status_code}, expected 200 or 301"
    if response.status_code == 302 and urlsplit(response["Location"]).path == reverse("login"):
        return ""
    return f"{response.status_code} {response.get('Location', '')}, expected a redirect to the login page"


@pytest.mark.parametrize(("route", "name"), URL_PATTERNS, ids=[name for _, name in URL_PATTERNS])
def test_each_persona_opens_exactly_the_pages_its_navigation_shows(client, request, world, route, name):
    page = PAGES.get(name)
    if page is None:
        pytest.fail(f"/{route} ({name}) is a page the access matrix does not know: say in PAGES who may open it.")
    method = "POST" if page.post else "GET"
    failures = []
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        client.force_login(user)
        for side, expected in _expectations(persona, user, page):
            url = _url(name, route, page, world, side)
            problem = _problem(_answer(client, url, page), expected, page)
            if problem:
                failures.append(f"{persona} {method} {url}: {problem}")
    client.logout()
    url = _url(name, route, page, world, SIDE["rep"])
    problem = _anonymous_problem(_answer(client, url, page), name)
    if problem:
        failures.append(f"anonymous {method} {url}: {problem}")
    assert not failures, "\n".join(failures)


def test_the_matrix_names_only_pages_that_exist():
    assert set(PAGES) <= {name for _, name in URL_PATTERNS}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_admin_index_opens_for_whoever_sees_its_navigation_entry(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    sees_entry = any(link.url == reverse("admin:index") for link in navigation_for(user))
    response = client.get(reverse("admin:index"))
    if sees_entry:
        assert response.status_code == 200
    else:
        # Django admin sends whoever it does not let in to its own login page.
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("admin:login")
    assert admin_site.has_permission(response.wsgi_request) == sees_entry


def test_every_navigation_entry_is_a_page_of_the_matrix_or_a_tool():
    # The tools (admin, API docs) are walked elsewhere: see NOT_WALKED.
    walked = {name for _, name in URL_PATTERNS}
    assert {item.url_name for item in NAVIGATION} - walked == {"admin:index", "api:openapi-view"}


# (object rule, the queryset that mirrors it): one list per model, so a rule cannot drift from its filter.
MIRRORS = [
    ("pipeline.view_deal", lambda user: Deal.objects.for_user(user)),
    ("pipeline.change_deal", lambda user: Deal.objects.editable_by(user)),
    ("pipeline.reassign_deal", lambda user: Deal.objects.reassignable_by(user)),
    ("leads.view_lead", lambda user: Lead.objects.for_user(user)),
    ("leads.reassign_lead", lambda user: Lead.objects.reassignable_by(user)),
    ("accounts.view_person", lambda user: User.objects.for_user(user)),
]


@pytest.mark.parametrize(("perm", "queryset"), MIRRORS, ids=[perm for perm, _ in MIRRORS])
def test_each_object_rule_and_its_queryset_agree(world, request, perm, queryset):
    LeadFactory(owner=None, team=None)  # the open queue, which every rep sees
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        rows = queryset(user)
        for obj in rows.model.objects.all():
            assert user.has_perm(perm, obj) == rows.contains(obj), (persona, obj)
