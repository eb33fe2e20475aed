"""Downloads: the header that makes a browser save a response as a file, and the
`/{client}.{fmt}` routes that render a JSON answer as CSV, Excel or PDF."""

from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

LangQuery = Annotated[
    Literal["en", "zh"], Query(description="language of the labels, KPI names and verdicts")
]
Render = Callable[[dict[str, Any], str, str], tuple[bytes, str, str]]
"""(answer, format, language) → the file's bytes, media type and name."""


def attachment(filename: str) -> dict[str, str]:
    """Return the headers of a download saved as `filename` (ASCII: codes, dates, formats)."""
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def add_download_routes(
    router: APIRouter,
    formats: Iterable[str],
    answer: Callable[..., dict[str, Any]],
    render: Render,
    *,
    name: str,
    title: str,
    doc: str,
) -> None:
    """Add `GET /{client}.{fmt}` for each format: the JSON `answer` (a dependency, so the
    download reads exactly what the JSON route reads) rendered as a file; `{FMT}` in `doc`
    names the format."""

    def route(fmt: str) -> Callable[..., Response]:
        def download(body: dict[str, Any] = Depends(answer), lang: LangQuery = "en") -> Response:
            content, media_type, filename = render(body, fmt, lang)
            return Response(content, media_type=media_type, headers=attachment(filename))

        download.__doc__ = doc.replace("{FMT}", fmt.upper())
        return download

    for fmt in formats:
        router.add_api_route(
            f"/{{client}}.{fmt}",
            route(fmt),
            methods=["GET"],
            response_class=Response,
            name=f"{name}_{fmt}",
            summary=f"{title} as {fmt.upper()}",
        )
