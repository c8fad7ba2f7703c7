"""What a person does on the two pages, as page objects. Every wait is bounded and every
failed expectation raises ``AssertionError`` (Playwright's ``expect``), so a broken page turns
a test red instead of hanging it."""

from __future__ import annotations

import time
from dataclasses import dataclass

from playwright.sync_api import BrowserContext, Locator, Page, expect

#: How long a person may wait for the page to show something that already happened.
WITHIN_S = 2.0


@dataclass
class Reference:
    """The API reference at ``/`` (Swagger UI)."""

    page: Page
    base_url: str

    @classmethod
    def open(cls, context: BrowserContext, base_url: str, path: str = "/") -> Reference:
        page = context.new_page()
        page.goto(base_url + path)
        reference = cls(page, base_url)
        expect(page.locator(".opblock").first).to_be_visible(timeout=10_000)
        return reference

    def operation(self, operation_id: str) -> Locator:
        # Swagger UI's id is operations-<tag>-<operationId>.
        return self.page.locator(f'.opblock[id$="-{operation_id}"]')

    def expand(self, operation_id: str) -> Locator:
        op = self.operation(operation_id)
        if "is-open" not in (op.get_attribute("class") or ""):
            op.locator(".opblock-summary").click()
        expect(op.locator(".opblock-body")).to_be_visible()
        return op

    def enter_key(self, key: str) -> None:
        """Type the key into the page's key field once, as the docs page asks."""
        field = self.page.locator("#api-key")
        expect(field, "the page has no API key field").to_be_visible(timeout=1_000)
        field.fill(key)
        self.page.locator("#use-key").click()
        expect(self.page.locator("#key-status")).to_contain_text("Key set")

    def try_it(self, operation_id: str) -> tuple[int, str]:
        """Execute the operation as the page fills it in; the status and body it shows."""
        op = self.expand(operation_id)
        clear = op.locator("button.btn-clear")
        if clear.count():
            clear.click()
        op.locator("button.execute").click()
        status = op.locator(".live-responses-table tr.response .response-col_status")
        expect(status, "no response shown").to_be_visible()
        body = op.locator(".live-responses-table tr.response .response-col_description")
        return int(status.inner_text().strip()), body.inner_text()

    def request_body(self, operation_id: str) -> str:
        return self.expand(operation_id).locator("textarea.body-param__text").input_value()


@dataclass
class StatePage:
    """The live state page at ``/__mock/``."""

    page: Page
    base_url: str

    @classmethod
    def open(cls, context: BrowserContext, base_url: str) -> StatePage:
        page = context.new_page()
        page.goto(base_url + "/__mock/")
        expect(page.locator("#updated")).to_contain_text("updated", timeout=10_000)
        return cls(page, base_url)

    def room(self, full_name: str) -> Locator:
        return self.page.locator(f'.room[data-room="{full_name}"]')

    def session(self, room_name: str) -> Locator:
        return self.page.locator(f'.session[data-room="{room_name}"]')

    def filter_project(self, project_id: int | None) -> None:
        self.page.locator("#project-filter").select_option(
            "" if project_id is None else str(project_id)
        )

    def set_fault(self, operation_id: str, **fields: str | int | float) -> None:
        inputs = {"latency_ms": "#fault-latency", "status": "#fault-status"}
        inputs |= {
            "error_rate": "#fault-rate",
            "drop_field": "#fault-drop",
            "times": "#fault-times",
        }
        self.page.locator("#fault-operation").select_option(operation_id)
        for name, selector in inputs.items():
            self.page.locator(selector).fill(str(fields.get(name, "")))
        self.page.locator("#fault-set").click()

    def fault_row(self, operation_id: str) -> Locator:
        return self.page.locator(f'#faults tr[data-operation="{operation_id}"]')

    def visible_text(self) -> str:
        """Everything the page shows, and its whole DOM (attributes included)."""
        return self.page.locator("body").inner_text() + self.page.content()


def seconds_until_shown(locator: Locator, text: str, since: float, within_s: float = WITHIN_S):
    """Wait until ``locator`` shows ``text``; the seconds since ``since`` (``time.monotonic``).

    :raise AssertionError: not shown ``within_s`` seconds after ``since``.
    """
    remaining_ms = max(1.0, (since + within_s - time.monotonic()) * 1000)
    expect(locator, f"{text!r} not shown within {within_s} s").to_contain_text(
        text, timeout=remaining_ms
    )
    return time.monotonic() - since
