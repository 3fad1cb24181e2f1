"""The contact record and the table's columns in a real browser (Debian's chromium)."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser import test_portal_in_chromium as portal
from tests.browser.test_portal_in_chromium import log_in

pytestmark = pytest.mark.browser
browser, page = portal.browser, portal.page  # the same fixtures


def add_contact(page: Page, last_name: str) -> None:
    page.goto("/contacts")
    page.get_by_text("Add contact", exact=True).click()
    form = page.get_by_role("form", name="Add contact")
    form.get_by_label("First name").fill("Margaret")
    form.get_by_label("Last name").fill(last_name)
    form.get_by_role("button", name="Save contact").click()
    expect(page.get_by_role("status")).to_contain_text(f"Margaret {last_name} added")


def test_a_record_section_is_edited_with_errors_shown_at_the_field(page: Page) -> None:
    log_in(page)
    last_name = f"Hamilton-{uuid.uuid4().hex[:6]}"
    add_contact(page, last_name)
    page.get_by_role("link", name=f"Margaret {last_name}").click()
    expect(page.get_by_role("heading", name=f"Margaret {last_name}")).to_be_visible()
    expect(page.get_by_role("navigation", name="Record").get_by_role("link", name="Profile")).to_have_attribute("aria-current", "page")  # fmt: skip

    page.get_by_role("link", name="Edit Contact information").click()
    form = page.get_by_role("form", name="Edit Contact information")
    form.get_by_label("Email", exact=True).fill("margaret@nasa.example")
    form.get_by_label("Mobile phone").fill("12")
    form.get_by_label("Date of birth").fill("1936-08-17")
    form.get_by_role("button", name="Save contact information").click()

    form = page.get_by_role("form", name="Edit Contact information")
    phone = form.get_by_label("Mobile phone")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-mobile_phone-error")).to_contain_text("not a valid phone number")
    expect(form.get_by_label("Email", exact=True)).to_have_value("margaret@nasa.example")  # kept

    phone.fill("+1 617 555 0142")
    form.get_by_role("button", name="Save contact information").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    section = page.locator("#section-contact")
    expect(section).to_contain_text("+16175550142")
    expect(section).to_contain_text("1936-08-17")
    history = page.get_by_role("region", name="History")
    expect(history.get_by_role("listitem").first).to_contain_text("Changed by")
    expect(history).to_contain_text("Contact information › Mobile phone")

    page.get_by_role("navigation", name="Record").get_by_role("link", name="Financial").click()
    page.get_by_role("link", name="Edit Financial information").click()
    financial = page.get_by_role("form", name="Edit Financial information")
    financial.get_by_label("Net worth", exact=True).fill("1,500,000")
    financial.get_by_label("Savings").check()
    financial.get_by_role("button", name="Save financial information").click()
    expect(page.locator("#section-financial")).to_contain_text("1,500,000.00")
    expect(page.locator("#section-financial")).to_contain_text("Savings")

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close record").click()
    expect(page.get_by_role("status")).to_contain_text("Record closed")
    page.get_by_role("button", name="Reopen record").click()
    expect(page.get_by_role("status")).to_contain_text("Record reopened")

    pdf = page.get_by_role("link", name="Generate client information PDF")
    response = page.request.get(pdf.get_attribute("href") or "")
    assert response.ok and response.headers["content-type"] == "application/pdf"


def test_columns_are_configured_and_kept_after_a_reload(page: Page) -> None:
    log_in(page)
    reset_columns(page)
    page.goto("/contacts")
    table = page.locator("table.contacts thead")

    def visible_headers() -> list[str]:
        return [text.strip(" ▲▼") for text in table.locator("th:not([hidden])").all_inner_texts()]

    try:
        page.get_by_label("Configure columns").first.click()
        panel = page.get_by_role("form", name="Configure columns")
        panel.get_by_role("checkbox", name="Username").uncheck()
        expect(table.get_by_role("columnheader", name="Username")).to_be_hidden()
        panel.get_by_role("button", name="Move Email up").click()
        panel.get_by_role("button", name="Move Email up").click()
        expect(panel.locator("[data-columns-status]")).to_have_text("Saved.")
        expected = ["Title", "Contact", "Type", "Account type", "Account number", "Email",
                    "Status", "Phone", "Net asset value"]  # fmt: skip
        assert visible_headers() == expected
        page.reload()
        assert visible_headers() == expected
        first_row = page.locator("table.contacts tbody tr").first
        assert first_row.locator("td:not([hidden])").count() == len(expected)
    finally:
        reset_columns(page)


def reset_columns(page: Page) -> None:
    response = page.request.put(
        "/api/v1/preferences/contacts-table", data={}, headers={"X-CSRF-Token": _csrf(page)}
    )
    assert response.ok, response.text()


def _csrf(page: Page) -> str:
    cookies = page.context.cookies()
    return next(cookie["value"] for cookie in cookies if cookie["name"] == "portal_csrf")
