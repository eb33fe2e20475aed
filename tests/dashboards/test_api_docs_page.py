"""`/docs` in a real browser with every other origin blocked: Swagger UI renders the API
and offers the Authorize button for API keys."""


def test_docs_render_offline_with_an_authorize_button(page, live_server):
    foreign: list[str] = []

    def only_same_origin(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    page.route("**/*", only_same_origin)
    page.goto(f"{live_server}/docs", wait_until="load")
    page.wait_for_selector("button.authorize", timeout=20_000)
    assert page.locator(".opblock-summary-path", has_text="/v1/calls").count() >= 1
    page.click("button.authorize")
    assert page.locator(".modal-ux", has_text="apiKey").is_visible()
    assert page.locator(".modal-ux", has_text="bearer").count() >= 1
    assert foreign == []
