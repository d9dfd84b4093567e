"""The web console in one Chromium tab, operated as a user does: by labels and button names."""

import json

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from .settings import wait_until


def _literal(text):
    """Return `text` as an XPath string literal."""
    if "'" not in text:
        return f"'{text}'"
    return "concat('" + "', \"'\", '".join(text.split("'")) + "')"


class Console:
    """Drives the console served at `url` (http://127.0.0.1:PORT) in `browser`.

    Fields are found by the text of their label and buttons by their text, inside the open
    dialog when there is one, so a test reads like the steps of the guide.
    """

    def __init__(self, browser, url):
        self.browser = browser
        self.driver = browser.driver
        self.url = url

    def open(self, route=""):
        self.driver.get(f"{self.url}/{route}")

    def sign_in(self, token, project="default"):
        self.open()
        self.wait_heading("Sign in")
        self.fill("Admin token", token)
        self.fill("Project", project)
        self.click("Sign in")
        self.wait_heading("Dashboard")

    def heading(self):
        try:
            return self.driver.find_element(By.CSS_SELECTOR, "main h1").text
        except (NoSuchElementException, StaleElementReferenceException):
            return None

    def wait_heading(self, text):
        wait_until(lambda: self.heading() == text, f"the page heading {text!r} (now {self.heading()!r})")

    def go(self, navigation_label, heading=None):
        """Follow a link of the navigation pane and wait for the page's heading."""
        self.driver.find_element(By.XPATH, f"//nav//a[normalize-space(.)={_literal(navigation_label)}]").click()
        self.wait_heading(heading or navigation_label)

    def dialog(self):
        dialogs = self.driver.find_elements(By.CSS_SELECTOR, "dialog[open]")
        return dialogs[-1] if dialogs else None

    def _scope(self):
        return self.dialog() or self.driver.find_element(By.TAG_NAME, "body")

    def click(self, text):
        """Click the button or link whose text is `text`, in the open dialog if there is one."""
        path = (f".//button[normalize-space(.)={_literal(text)}] | "
                f".//a[normalize-space(.)={_literal(text)}]")
        found = wait_until(lambda: self._scope().find_elements(By.XPATH, path), f"a button or link {text!r}")
        found[0].click()

    def click_in_row(self, row_text, button_text):
        """Click a button in the table row that contains `row_text`."""
        path = (f"//tr[.//*[normalize-space(text())={_literal(row_text)}]]"
                f"//button[normalize-space(.)={_literal(button_text)}]")
        wait_until(lambda: self.driver.find_elements(By.XPATH, path), f"{button_text!r} in the row of {row_text!r}")[0].click()

    def open_dialog(self, button_text, title):
        self.click(button_text)
        wait_until(lambda: self.dialog() is not None and self.dialog().find_element(By.TAG_NAME, "h2").text == title,
                   f"the dialog {title!r}")

    def field(self, label):
        """Return the input, select or textarea labelled `label` (the label's own text, without markers)."""
        path = f".//label[normalize-space(text())={_literal(label)}]"
        labels = wait_until(lambda: self._scope().find_elements(By.XPATH, path), f"the field {label!r}")
        return self.driver.find_element(By.ID, labels[0].get_attribute("for"))

    def field_container(self, label):
        return self.field(label).find_element(By.XPATH, "ancestor::div[contains(@class, 'field')][1]")

    def fill(self, label, text):
        element = self.field(label)
        element.clear()
        element.send_keys(text)

    def choose(self, label, option_text):
        Select(self.field(label)).select_by_visible_text(option_text)

    def check(self, label):
        """Check a radio button or turn on a switch."""
        element = self.field(label)
        if not element.is_selected():
            element.click()

    def upload(self, label, path):
        """Choose a file in the file input that belongs to the field labelled `label`."""
        self.field_container(label).find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(path))

    def field_error(self, label):
        """Return the error shown next to a field, or None."""
        errors = self.field_container(label).find_elements(By.CSS_SELECTOR, ".field-error")
        visible = [error.text for error in errors if error.is_displayed()]
        return visible[0] if visible else None

    def form_error(self):
        errors = self._scope().find_elements(By.CSS_SELECTOR, ".form-error")
        shown = [error.text for error in errors if error.is_displayed()]
        return shown[0] if shown else None

    def submit(self, button_text="OK"):
        """Click the dialog's submit button and wait until it closes or shows an error."""
        dialog = self.dialog()
        self.click(button_text)

        def settled():
            if self.dialog() is None:
                return True
            try:
                busy = dialog.find_element(By.TAG_NAME, "form").get_attribute("aria-busy")
                errors = [e for e in dialog.find_elements(By.CSS_SELECTOR, ".field-error, .form-error") if e.is_displayed()]
            except StaleElementReferenceException:
                return True
            return not busy and errors

        wait_until(settled, f"the dialog to close or show an error after {button_text!r}")
        return self.dialog() is None

    def notice(self):
        """Return the text of the message above the page's content, or None."""
        notices = self.driver.find_elements(By.CSS_SELECTOR, "main .notice")
        return notices[0].text if notices else None

    def wait_notice(self, starting):
        return wait_until(lambda: (self.notice() or "").startswith(starting) and self.notice(),
                          f"a message starting with {starting!r} (now {self.notice()!r})")

    def chart(self, listener_id, name):
        """Return the dashboard's chart `name` (requests, connections, rejections) of a listener, or None."""
        selector = f'section[data-listener-id="{listener_id}"] figure[data-chart="{name}"]'
        found = self.driver.find_elements(By.CSS_SELECTOR, selector)
        return found[0] if found else None

    def chart_data(self, listener_id, name):
        """Return the data of a dashboard chart, from its data-series JSON, or None before it has any.

        The data is {"unit", "start", "end", "series": [{"name", "label", "points": [[time ms,
        value or null]], "total" (rejections only)}]}.
        """
        try:
            figure = self.chart(listener_id, name)
            text = figure.get_attribute("data-series") if figure else None
        except StaleElementReferenceException:
            return None
        return json.loads(text) if text else None

    def main_text(self):
        return self.driver.find_element(By.TAG_NAME, "main").text

    def screenshot(self, name):
        return self.browser.screenshot(name)
