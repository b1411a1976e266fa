"""GraphiQL served by the service itself, for development (issue 11 item 2): no CDN, so it works
on a machine with no internet.

Its assets are the browser builds of pinned npm packages (GraphiQL's UMD bundle and React 18),
fetched once by ``scripts/setup`` (``ca-api install-graphiql``) from the npm registry, checked
against the SHA-256 pinned here, and kept in the virtualenv (``<venv>/share/ca_api/graphiql``).
The page's own script is ``static/ide.js``: a token box (kept in the tab's sessionStorage, never
sent anywhere but /graphql) and GraphiQL sending the token with each request. Production serves
no page (``CA_API_ENVIRONMENT=production``).
"""

from __future__ import annotations

import hashlib
import io
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

REGISTRY = "https://registry.npmjs.org"
STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    sha256: str  # of the registry's tarball
    files: tuple[tuple[str, str], ...]  # (path in the package, name served)

    @property
    def tarball(self) -> str:
        return f"{REGISTRY}/{self.name}/-/{self.name}-{self.version}.tgz"


# graphiql 4.x is the last line with a UMD bundle (5.x is ESM only, needing a bundler).
PACKAGES = (
    Package(
        "react",
        "18.3.1",
        "8d9bed01a672e7eaf387942d781ad47c6a43089a30a0306060f9fd5ac7870347",
        (("umd/react.production.min.js", "react.production.min.js"), ("LICENSE", "LICENSE.react")),
    ),
    Package(
        "react-dom",
        "18.3.1",
        "031d4427a99f2f3f6cac18bbbf308594a67e4f47d10f4896fdec446505b040e0",
        (
            ("umd/react-dom.production.min.js", "react-dom.production.min.js"),
            ("LICENSE", "LICENSE.react-dom"),
        ),
    ),
    Package(
        "graphiql",
        "4.1.2",
        "6aa9cb6d82e656d38b72991264f41545889881e8dc23059199be3b94fff2ad05",
        (
            ("graphiql.min.js", "graphiql.min.js"),
            ("graphiql.min.css", "graphiql.min.css"),
            ("LICENSE", "LICENSE.graphiql"),
        ),
    ),
)
SERVED = {served for p in PACKAGES for _, served in p.files} - {
    served for p in PACKAGES for _, served in p.files if served.startswith("LICENSE")
}


def default_assets_dir() -> Path:
    return Path(sys.prefix) / "share" / "ca_api" / "graphiql"


def _stamp(package: Package) -> str:
    return f"{package.name}@{package.version} {package.sha256}"


def install(target: Path) -> list[str]:
    """Fetch the pinned packages into ``target`` (once: a package already there at its pinned
    version is kept). Returns what was fetched. A tarball whose SHA-256 is not the pinned one
    is refused and nothing of it is written."""
    target.mkdir(parents=True, exist_ok=True)
    fetched = []
    for package in PACKAGES:
        stamp = target / f".{package.name}.pinned"
        if stamp.exists() and stamp.read_text() == _stamp(package):
            continue
        with urllib.request.urlopen(package.tarball, timeout=60) as answer:  # noqa: S310
            data = answer.read()
        digest = hashlib.sha256(data).hexdigest()
        if digest != package.sha256:
            raise RuntimeError(
                f"{package.tarball}: SHA-256 {digest} is not the pinned {package.sha256}"
            )
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for inner, served in package.files:
                member = archive.extractfile(f"package/{inner}")
                if member is None:
                    raise RuntimeError(f"{package.tarball} has no {inner}")
                (target / served).write_bytes(member.read())
        stamp.write_text(_stamp(package))
        fetched.append(f"{package.name}@{package.version}")
    return fetched


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ca_api: GraphiQL (development)</title>
<link rel="stylesheet" href="/graphiql/graphiql.min.css">
<link rel="stylesheet" href="/graphiql/ide.css">
</head>
<body>
<form id="token-bar" autocomplete="off">
  <label for="token">Bearer token</label>
  <input id="token" name="token" type="password" spellcheck="false"
         placeholder="paste a token: .venv/bin/ca-api token --role senior_officer">
  <span id="token-state"></span>
</form>
<div id="graphiql">Loading GraphiQL...</div>
<script src="/graphiql/react.production.min.js"></script>
<script src="/graphiql/react-dom.production.min.js"></script>
<script src="/graphiql/graphiql.min.js"></script>
<script src="/graphiql/ide.js"></script>
</body>
</html>
"""

MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ca_api: GraphiQL</title></head>
<body><p>GraphiQL's files are not installed in this environment: run <code>scripts/setup</code>
(or <code>.venv/bin/ca-api install-graphiql</code>) once, then reload.</p></body></html>
"""

# Everything the page loads comes from this service; GraphiQL sets styles inline.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)


def page(assets: Path) -> Response:
    ready = all((assets / name).exists() for name in SERVED)
    return HTMLResponse(
        PAGE if ready else MISSING,
        headers={"content-security-policy": CSP, "cache-control": "no-store"},
    )


def routes(assets: Path) -> list[Route]:
    """/graphiql/<file>: the pinned assets and the page's own script and styles."""
    own = {p.name: p for p in STATIC.iterdir() if p.suffix in (".js", ".css")}

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name in own:
            return FileResponse(own[name], headers={"cache-control": "no-cache"})
        if name in SERVED and (assets / name).exists():
            return FileResponse(assets / name, headers={"cache-control": "max-age=86400"})
        raise HTTPException(404, f"no such file: {name}")

    return [Route("/graphiql/{name}", asset)]
