"""`/docs`: Swagger UI from the fastapi-offline package, so the docs work without internet.

Every asset is same-origin and there is no inline script, so the page also works under a
`script-src 'self'` Content-Security-Policy.
"""

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS = Path(str(files("fastapi_offline") / "static"))

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · API</title>
<link rel="icon" type="image/png" href="{root}/docs/assets/favicon.png">
<link rel="stylesheet" href="{root}/docs/assets/swagger-ui.css">
</head><body><div id="swagger-ui"></div>
<script src="{root}/docs/assets/swagger-ui-bundle.js"></script>
<script src="{root}/docs/init.js"></script>
</body></html>
"""

INIT = """window.ui = SwaggerUIBundle({{
  url: "{root}{openapi}",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout",
  deepLinking: true,
  persistAuthorization: true,
  showExtensions: true,
}});
"""


def install_docs(api: FastAPI) -> None:
    """Serve Swagger UI at `/docs` with its assets under `/docs/assets`."""
    api.mount("/docs/assets", StaticFiles(directory=ASSETS), name="docs-assets")

    @api.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE.format(title=api.title, root=request.scope.get("root_path", "")))

    @api.get("/docs/init.js", include_in_schema=False)
    def docs_init(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        script = INIT.format(root=root, openapi=api.openapi_url)
        return Response(script, media_type="text/javascript")
