"""Deliberately broken pages for ``test_checks_go_red.py``: each class is one bug, made by
rewriting one file the mock serves (``make_live_mock(wrap=Modifier())``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tests.conftest import DEMO_KEY


class PageModifier:
    """Rewrites the body of the file served at ``path`` (``old`` → ``new``); optionally
    drops the page's Content-Security-Policy header."""

    path = ""
    old = ""
    new = ""
    drop_csp = False

    def __call__(self, app: Callable) -> Callable:
        def wsgi(environ, start_response) -> Iterable[bytes]:
            if environ.get("PATH_INFO") != self.path:
                return app(environ, start_response)
            captured: dict = {}

            def capture(status, headers, exc_info=None):
                captured.update(status=status, headers=headers)
                return lambda data: None

            result = app(environ, capture)
            try:
                body = b"".join(result)
            finally:
                getattr(result, "close", lambda: None)()
            body = body.replace(self.old.encode(), self.new.encode())
            dropped = {"content-length", "etag", "last-modified"}
            if self.drop_csp:
                dropped.add("content-security-policy")
            headers = [(k, v) for k, v in captured["headers"] if k.lower() not in dropped]
            start_response(captured["status"], [*headers, ("Content-Length", str(len(body)))])
            return [body]

        return wsgi


_STATE_SCRIPT = '<script src="/docs/assets/state.js"></script>'
_CDN_SCRIPT = '<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js">'


class CdnScript(PageModifier):  # the state page loads a script from a CDN (its CSP refuses it)
    path = "/__mock/"
    old = _STATE_SCRIPT
    new = _CDN_SCRIPT + "</script>\n  " + _STATE_SCRIPT


class CdnScriptWithoutCsp(CdnScript):  # the same page with no CSP: the request leaves the mock
    drop_csp = True


class NoKeyField(PageModifier):  # the reference is served without its API key field
    path = "/"
    old = '<input id="api-key"'
    new = '<input id="api-key" hidden'


class KeyBakedIn(PageModifier):  # the page authorizes itself with the demo key on load
    path = "/docs/assets/docs.js"
    old = "wireKeyForm(ui, apiKeySchemes(spec));"
    new = old + f' ui.preauthorizeApiKey("ApiKeyAuth", "{DEMO_KEY}");'


class StatePageNeverRefreshes(PageModifier):  # the state page draws once and never polls
    path = "/docs/assets/state.js"
    old = "setTimeout(poll, POLL_MS);"
    new = ""


class FaultFormSendsNothing(PageModifier):  # the fault form's submit sends no request
    path = "/docs/assets/state.js"
    old = 'send("PUT", `/__mock/faults/${encodeURIComponent(op)}`'
    new = 'false && send("PUT", `/__mock/faults/${encodeURIComponent(op)}`'


class StatePageShowsKey(PageModifier):  # a participant's name carries the caller's API key
    path = "/__mock/state"
    old = '"name":"user1"'
    new = f'"name":"user1 {DEMO_KEY}"'
