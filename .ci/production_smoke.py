"""Production smoke: the portal built and served as in production, then fetched like a browser.

    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python .ci/production_smoke.py

With DEBUG=0 and the production settings it creates the database if missing, migrates,
runs collectstatic (manifest storage) into a temporary STATIC_ROOT, adds a rep and an
enablement admin, starts gunicorn on a free loopback port and fetches: the login page and
every static file it names (hashed names, served by whitenoise), a portal page after a real
login POST with the CSRF token, the admin index, the telemetry page (Chart.js and its source
map) and the API docs and schema. Any 5xx, or a server error in gunicorn's log, fails it.
Gunicorn is stopped at the end whatever happens, and the whole run is bounded in time.

The client plays the TLS proxy a deployment puts in front (BEHIND_TLS_PROXY=1, it sends
`X-Forwarded-Proto: https`), so the security settings stay as in production: the HTTPS
redirect, Secure cookies, HSTS and the CSRF origin check. A request without that header
must be redirected to https, which the smoke checks too.
"""

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urljoin

ROOT = Path(__file__).resolve().parent.parent
TIME_LIMIT_SECONDS = 300
REQUEST_TIMEOUT_SECONDS = 20
STARTUP_TIMEOUT_SECONDS = 30
HASHED_STATIC = re.compile(r"^/static/\S+\.[0-9a-f]{12}(\.[A-Za-z0-9]+)?$")
STATIC_REFERENCE = re.compile(r"""(?:href|src)=["'](/static/[^"'?#]+)""")
SOURCE_MAP = re.compile(r"sourceMappingURL=(\S+)")
GUNICORN = [sys.executable, "-m", "gunicorn", "enablement_portal.wsgi:application", "--workers", "2"]
GUNICORN += ["--timeout", "30", "--graceful-timeout", "5"]
USERS = {"smoke.rep": "REP", "smoke.admin": "ENABLEMENT_ADMIN"}
CREATE_USERS = """
import os
from accounts.models import Role, User
from accounts.services import user_set_role
for username, role in {users!r}.items():
    user, _ = User.objects.get_or_create(username=username, defaults={{"first_name": "Smoke", "last_name": role}})
    user.set_password(os.environ["SMOKE_PASSWORD"])
    user.save()
    user_set_role(user=user, role=Role[role])
"""


class SmokeFailure(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def on_deadline(signum: int, frame: object) -> None:
    raise SmokeFailure(f"the smoke took longer than {TIME_LIMIT_SECONDS} s")


def on_terminate(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def ensure_database(database_url: str) -> None:
    """Create the database named by the URL when it does not exist (connecting to `postgres`)."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(database_url)
    expect(config["ENGINE"] == "django.db.backends.postgresql", f"DATABASE_URL is not PostgreSQL: {database_url}")
    params = {"host": config["HOST"], "port": config["PORT"], "user": config["USER"], "password": config["PASSWORD"]}
    with psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v}) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            print(f"created database {config['NAME']}")


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 (ours)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    expect(done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_listening(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        expect(server.poll() is None, f"gunicorn exited with {server.returncode} before it listened")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SmokeFailure(f"gunicorn did not listen on port {port} within {STARTUP_TIMEOUT_SECONDS} s")


@dataclass(frozen=True)
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Browser:
    """One visitor behind the TLS proxy: keeps its cookies, follows no redirects."""

    def __init__(self, port: int, fetched: list[str]) -> None:
        self.port, self.fetched = port, fetched
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None, via_proxy: bool = True) -> Response:
        headers = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "production-smoke"}
        if via_proxy:
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin}
            headers["Referer"] = urljoin(self.origin, path)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_SECONDS)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            conn.close()
        for line in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(line)
            for name, morsel in cookie.items():
                expect(bool(morsel["secure"]), f"cookie {name} from {path} is not Secure")
                self.cookies[name] = morsel.value
        self.fetched.append(f"{response.status} {method} {path}")
        print(f"  {response.status} {method} {path}", flush=True)
        expect(response.status < 500, f"{method} {path} answered {response.status}:\n{response.text[:2000]}")
        return response

    def get(self, path: str, status: int = 200, **kwargs: bool) -> Response:
        response = self.request("GET", path, **kwargs)
        expect(response.status == status, f"GET {path} answered {response.status}, expected {status}")
        return response

    def log_in(self, username: str, password: str) -> None:
        page = self.get("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        expect(token is not None, "the login page has no CSRF token")
        form = {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password, "next": ""}
        response = self.request("POST", "/login/", form=form)
        expect(
            response.status == 302 and response.headers.get("Location") == "/",
            f"logging in as {username} answered {response.status} to {response.headers.get('Location')}",
        )

    def get_static_files_of(self, page: Response) -> list[str]:
        """Fetch every static file the page names (and source maps scripts name); all hashed, all 200."""
        paths = sorted(set(STATIC_REFERENCE.findall(page.text)))
        for path in paths:
            expect(bool(HASHED_STATIC.match(path)), f"{path} is not a hashed (manifest) name")
            asset = self.get(path)
            expect("immutable" in asset.headers.get("Cache-Control", ""), f"{path} is not served as immutable")
            if path.endswith(".js"):
                for source_map in SOURCE_MAP.findall(asset.text[-300:]):
                    self.get(urljoin(path, source_map))
        return paths


def check_site(port: int, password: str, fetched: list[str]) -> None:
    anonymous = Browser(port, fetched)
    plain = anonymous.request("GET", "/login/", via_proxy=False)
    expect(
        plain.status == 301 and plain.headers.get("Location", "").startswith("https://"),
        f"plain HTTP was not redirected to https ({plain.status} {plain.headers.get('Location')})",
    )
    login_page = anonymous.get("/login/")
    expect("Strict-Transport-Security" in login_page.headers, "no HSTS header on the login page")
    expect(any("pico" in path for path in anonymous.get_static_files_of(login_page)), "login page names no pico.css")

    rep = Browser(port, fetched)
    rep.log_in("smoke.rep", password)
    home = rep.get("/")
    expect("Log out" in home.text and "Smoke REP" in home.text, "the home page is not the signed-in rep's")

    admin = Browser(port, fetched)
    admin.log_in("smoke.admin", password)
    expect("Site administration" in admin.get("/admin/").text, "the admin index is not Django admin's")
    telemetry = admin.get("/telemetry/")
    expect(any("chart" in path for path in admin.get_static_files_of(telemetry)), "telemetry names no Chart.js")
    docs = admin.get("/api/v1/docs")
    admin.get_static_files_of(docs)
    schema = json.loads(admin.get("/api/v1/openapi.json").body)
    expect("openapi" in schema and schema.get("paths"), "/api/v1/openapi.json is not an OpenAPI document")


def production_env(database_url: str, redis_url: str, static_root: Path, password: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "BEHIND_TLS_PROXY": "1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "STATIC_ROOT": str(static_root),
        "SMOKE_PASSWORD": password,
    }


def stop(server: subprocess.Popen) -> None:
    # The deadline must not interrupt the stop itself, which is bounded on its own.
    signal.alarm(0)
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def smoke(database_url: str, redis_url: str, workdir: Path) -> int:
    password = secrets.token_urlsafe(18)
    env = production_env(database_url, redis_url, workdir / "staticfiles", password)
    ensure_database(database_url)
    print("== migrate", flush=True)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    print("== collectstatic (DEBUG=0, manifest storage)", flush=True)
    print(manage(env, "collectstatic", "--noinput").strip().splitlines()[-1], flush=True)
    manage(env, "shell", "--command", CREATE_USERS.format(users=USERS))

    port = free_port()
    server_log = workdir / "gunicorn.log"
    fetched: list[str] = []
    print(f"== gunicorn on 127.0.0.1:{port}", flush=True)
    with server_log.open("w") as log_file:
        command = [*GUNICORN, "--bind", f"127.0.0.1:{port}"]
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)  # noqa: S603 (ours)
        try:
            wait_until_listening(server, port)
            check_site(port, password, fetched)
        except SmokeFailure:
            print(f"-- gunicorn log:\n{server_log.read_text()}", file=sys.stderr)
            raise
        finally:
            stop(server)
    server_errors = [line for line in server_log.read_text().splitlines() if "Internal Server Error" in line]
    expect(not server_errors, "gunicorn logged server errors:\n" + "\n".join(server_errors))
    print(f"production smoke passed: {len(fetched)} requests, no server error")
    return 0


def main() -> int:
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url.startswith("redis"):
        print("production smoke: set DATABASE_URL=postgres://… and REDIS_URL=redis://…", file=sys.stderr)
        return 2
    signal.signal(signal.SIGALRM, on_deadline)
    signal.signal(signal.SIGTERM, on_terminate)
    signal.alarm(TIME_LIMIT_SECONDS)
    try:
        with tempfile.TemporaryDirectory(prefix="production-smoke-") as workdir:
            return smoke(database_url, redis_url, Path(workdir))
    except SmokeFailure as failure:
        print(f"production smoke FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        signal.alarm(0)


if __name__ == "__main__":
    sys.exit(main())
