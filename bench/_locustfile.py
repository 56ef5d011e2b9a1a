"""The simulated people of `bench/load.py` (a Locust file; bench/__main__ skips modules named `_…`).

Reps and managers (four reps to one manager, as in the demo teams) sign in through the login form
and then browse as they would in a day: home, the board, deal pages found on the board, collateral
searches, the learning pages; managers also open their team pages. `GET /api/v1/health` is the
baseline every page is compared with: the same stack (gunicorn, middleware, session-less) doing
almost nothing.
"""

import itertools
import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = os.environ["LOAD_PASSWORD"]
REPS = itertools.cycle(os.environ["LOAD_REPS"].split(","))
MANAGERS = itertools.cycle(os.environ["LOAD_MANAGERS"].split(","))
# What reps type into collateral search (the everyday queries of the search issue).
QUERIES = ["case study", "pricing one pager", "security", "healthcare", "battlecard", "roi", "onboarding video"]
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DEAL_LINK = re.compile(r'href="(/pipeline/deals/\d+/)"')
MODULE_LINK = re.compile(r'href="(/learning/modules/\d+/)"')


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def username(self) -> str:
        raise NotImplementedError

    def on_start(self) -> None:
        page = self.client.get("/login/", name="login page")
        token = CSRF_TOKEN.search(page.text)
        if token is None:
            raise RuntimeError("the login page has no CSRF token")
        form = {"csrfmiddlewaretoken": token.group(1), "username": self.username(), "password": PASSWORD}
        with self.client.post("/login/", data=form, name="login", catch_response=True) as response:
            if response.url is None or response.url.endswith("/login/"):
                response.failure(f"login refused for {form['username']}")
        board = self.client.get("/pipeline/board/", name="board")
        self.deals = sorted(set(DEAL_LINK.findall(board.text)))
        learning = self.client.get("/learning/", name="learning home")
        self.modules = sorted(set(MODULE_LINK.findall(learning.text)))

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(2)
    def board(self) -> None:
        self.client.get("/pipeline/board/", name="board")

    @task(3)
    def deal(self) -> None:
        if self.deals:
            self.client.get(random.choice(self.deals), name="deal page")

    @task(3)
    def collateral_search(self) -> None:
        self.client.get("/collateral/", params={"q": random.choice(QUERIES)}, name="collateral search")

    @task(1)
    def learning(self) -> None:
        self.client.get("/learning/", name="learning home")

    @task(1)
    def module(self) -> None:
        if self.modules:
            self.client.get(random.choice(self.modules), name="module page")

    @task(1)
    def health(self) -> None:
        self.client.get("/api/v1/health", name="health")


class Rep(PortalUser):
    weight = 4

    def username(self) -> str:
        return next(REPS)


class Manager(PortalUser):
    weight = 1

    def username(self) -> str:
        return next(MANAGERS)

    @task(2)
    def team(self) -> None:
        self.client.get("/team/", name="my team")

    @task(1)
    def team_learning(self) -> None:
        self.client.get("/learning/team/", name="team learning")
