#!/usr/bin/env python3
"""Drives Swagger UI at /docs in a real headless browser, as a person would.

Usage: swagger_ui_check.py [BASE_URL]   (default http://127.0.0.1:8000)

Opens /docs, clicks Authorize, logs in as alice with every scope through
the OAuth2 password flow, then "Try it out" and "Execute" on
GET /users/me, and expects her profile in the answer. It also reads the
browser's console: a request the page's Content-Security-Policy blocked, or
any load from another site, fails the check.

Needs Debian's chromium and chromium-driver and Python's selenium
(.ci/run installs them). Prints one line a step; exits 1 on a failure.
"""
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    # Headless, and no calls home: this machine has no internet, and the
    # page must not need it either.
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,2000"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def step(name):
    print(f"ok    {name}", flush=True)


def main():
    driver = browser()
    wait = WebDriverWait(driver, 20)
    try:
        driver.get(f"{BASE}/docs")
        wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, "button.btn.authorize"))).click()
        step("/docs shows Swagger UI and its Authorize button")

        # From step 16 the dialog lists several schemes: act inside the
        # password flow's own form.
        username = wait.until(ready.visibility_of_element_located((By.ID, "oauth_username")))
        form = username.find_element(By.XPATH, "./ancestor::div[contains(@class, 'auth-container')]")
        username.send_keys("alice")
        form.find_element(By.ID, "oauth_password").send_keys("secret123")
        form.find_element(By.LINK_TEXT, "select all").click()
        form.find_element(By.CSS_SELECTOR, "button.btn.modal-btn.auth.authorize").click()
        # Logged in, the dialog offers Logout in place of Authorize.
        wait.until(ready.presence_of_element_located(
            (By.XPATH, "//button[contains(@class, 'modal-btn') and normalize-space()='Logout']")))
        step("Authorize logs in as alice with every scope (the password flow against /token)")
        driver.find_element(By.CSS_SELECTOR, "button.btn-done").click()

        operation = wait.until(ready.presence_of_element_located((By.ID, "operations-users-users_me")))
        operation.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
        wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, "#operations-users-users_me button.try-out__btn"))).click()
        wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, "#operations-users-users_me button.execute"))).click()
        status = wait.until(ready.visibility_of_element_located(
            (By.CSS_SELECTOR, "#operations-users-users_me .live-responses-table tbody td.response-col_status")))
        body = driver.find_element(By.CSS_SELECTOR, "#operations-users-users_me .live-responses-table .microlight")
        if not status.text.strip().startswith("200") or "alice@example.com" not in body.text:
            raise AssertionError(f"Try it out on GET /users/me answered {status.text!r}: {body.text[:300]!r}")
        step("Try it out on GET /users/me shows alice's profile")

        problems = [entry["message"] for entry in driver.get_log("browser")
                    if entry["level"] == "SEVERE" or "Content Security Policy" in entry["message"]]
        # A missing favicon on our own origin is harmless; anything blocked
        # by the policy, or any other origin, is not.
        outside = [p for p in problems if "Content Security Policy" in p
                   or (("http://" in p or "https://" in p) and BASE not in p)]
        if outside:
            raise AssertionError("the page tried to load something it may not: " + "; ".join(outside))
        step("the page loaded nothing from another site")
    except Exception as error:  # one line saying what failed, then the page for context
        print(f"FAIL  {error}")
        print(driver.page_source[:2000])
        return 1
    finally:
        driver.quit()
    print("swagger-ui: 4 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
