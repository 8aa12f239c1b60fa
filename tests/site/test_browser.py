"""A real browser: Debian's chromium driven by Playwright against the live test server.

Screenshots of the result page and the admin list are saved in test-artifacts/ (git-ignored)
so a person can look at what the browser saw.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from reviews.models import Feedback, Movie, Review
from reviews.services.scoring import review_create
from tests import PROJECT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = PROJECT / "test-artifacts"
TIMEOUT_MS = 15_000

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def allow_orm_beside_playwright():
    """Playwright's sync API keeps an asyncio event loop in this thread, and Django refuses
    ORM calls from a thread with an event loop (SynchronousOnlyOperation). The calls here
    are plain synchronous test code, so the guard is lifted for this module only; module
    scope so it also covers the database flush that runs after each test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(allow_orm_beside_playwright):
    if not CHROMIUM.exists():
        pytest.skip(f"no chromium at {CHROMIUM}: install it with `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def ozark(transactional_db) -> Movie:
    # get_or_create: a transactional test flushes the tables, migrated movies included.
    movie, _ = Movie.objects.get_or_create(title="Ozark")
    return movie


def watch(page, live_server, console_text: str) -> tuple[list[str], list[str]]:
    """Lists that fill as the page runs: console messages containing `console_text` (the
    browser reports what the CSP blocked there), and requests to any other host."""
    messages, other_hosts = [], []
    page.on(
        "console", lambda message: console_text in message.text and messages.append(message.text)
    )
    page.on(
        "request",
        lambda request: (
            not request.url.startswith(live_server.url) and other_hosts.append(request.url)
        ),
    )
    return messages, other_hosts


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def test_submitted_review_shows_its_stored_prediction(page, live_server, active_model, ozark):
    page.goto(live_server.url)
    page.get_by_label("Movie").select_option(label="Ozark")
    page.get_by_label("Your review").fill("A brilliant, moving film with a superb cast.")
    page.get_by_role("button", name="Predict sentiment").click()
    page.wait_for_url(re.compile(r"/reviews/\d+/$"))

    review = Review.objects.get()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.startswith("This review reads")
    assert review.get_sentiment_display() in heading
    assert page.locator(".model-version").inner_text() == "test-model"
    assert page.url == f"{live_server.url}/reviews/{review.pk}/"
    # The stylesheet arrived and applied: the page is the designed one, not bare HTML.
    assert page.evaluate("document.styleSheets.length") >= 1
    assert page.evaluate("document.styleSheets[0].cssRules.length") > 0
    assert screenshot(page, "result-page.png").stat().st_size > 0


def test_empty_review_shows_the_error_at_the_field(page, live_server, active_model, ozark):
    page.goto(live_server.url)
    page.get_by_label("Movie").select_option(label="Ozark")
    page.get_by_label("Your review").fill("   ")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Predict sentiment").click()

    assert navigation.value.status == 400
    assert page.locator("#review-error").inner_text() == "Write a review: it cannot be empty."
    assert not Review.objects.exists()


def test_staff_log_in_to_the_admin_and_filter_reviews_by_sentiment(
    page, live_server, active_model, ozark
):
    positive = review_create(movie_id=ozark.pk, text="Brilliant, moving, superb. A wonderful film.")
    negative = review_create(movie_id=ozark.pk, text="Boring, awful, a waste of time. The worst.")
    assert (positive.sentiment, negative.sentiment) == ("positive", "negative")
    get_user_model().objects.create_superuser("staff", "staff@example.com", "a long passphrase")

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("a long passphrase")
    page.get_by_role("button", name="Log in").click()
    page.locator("tr.model-review th a").click()  # the index's "Reviews" model link
    page.wait_for_url(re.compile(r"/admin/reviews/review/$"))
    page.locator('#changelist-filter details[data-filter-title="sentiment"] a').filter(
        has_text="Positive"
    ).click()
    page.wait_for_url(re.compile(r"sentiment__exact=positive"))

    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert positive.text in rows.first.inner_text()
    assert negative.text not in page.locator("#result_list").inner_text()
    assert screenshot(page, "admin-reviews-positive.png").stat().st_size > 0


def test_a_visitor_votes_sees_the_thanks_and_staff_find_the_vote_in_the_admin(
    page, live_server, active_model, ozark
):
    review = review_create(movie_id=ozark.pk, text="Brilliant, moving, superb. A wonderful film.")
    get_user_model().objects.create_superuser("staff", "staff@example.com", "a long passphrase")

    page.goto(f"{live_server.url}/reviews/{review.pk}/")
    page.get_by_role("button", name="Negative").click()
    page.wait_for_url(re.compile(rf"/reviews/{review.pk}/#feedback$"))

    assert "Thank you" in page.get_by_role("status").inner_text()
    assert Feedback.objects.values_list("review", "label", "source").get() == (
        review.pk,
        "negative",
        "visitor",
    )
    screenshot(page, "review-page-voted.png")

    page.goto(f"{live_server.url}/admin/reviews/feedback/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("a long passphrase")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/reviews/feedback/$"))
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Negative" in rows.first.inner_text() and "Visitor" in rows.first.inner_text()


def test_api_docs_page_lists_every_endpoint_under_the_sites_content_security_policy(
    page, live_server
):
    blocked_scripts, other_hosts = watch(page, live_server, "script-src")

    page.goto(f"{live_server.url}/api/docs")
    page.locator(".opblock-summary-path").first.wait_for()
    screenshot(page, "api-docs.png")

    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert {"/api/reviews", "/api/reviews/{review_id}", "/api/movies", "/api/predict"} <= {
        path.strip() for path in paths
    }
    assert blocked_scripts == []
    assert other_hosts == []


def canvas_is_blank(page, selector: str) -> bool:
    """Whether every pixel of the canvas is transparent: nothing was drawn."""
    return page.eval_on_selector(
        selector,
        "canvas => !canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)"
        ".data.some(value => value !== 0)",
    )


def test_the_dashboard_draws_its_charts_beside_tables_of_the_same_figures(
    page, live_server, active_model, ozark
):
    for text in ("Brilliant, moving, superb.", "Boring, awful, a waste of time."):
        review_create(movie_id=ozark.pk, text=text)
    get_user_model().objects.create_superuser("staff", "staff@example.com", "a long passphrase")
    blocked, other_hosts = watch(page, live_server, "Content Security Policy")

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("a long passphrase")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(re.compile(r"/admin/dashboard/$"))
    page.wait_for_function(
        "() => typeof Chart !== 'undefined' && Object.keys(Chart.instances).length === 3"
    )
    screenshot(page, "admin-dashboard.png")

    for chart in ("#chart-reviews", "#chart-confidence", "#chart-share"):
        assert not canvas_is_blank(page, chart), chart
    today = page.locator("#table-reviews tbody tr").last.inner_text().split("\t")
    assert today[1].strip() == "2"
    drawn = page.evaluate(
        """() => ({
            reviews: Chart.getChart('chart-reviews').data.datasets[0].data.at(-1),
            share: Chart.getChart('chart-share').data.datasets.map(d => [d.label, d.data.at(-1)]),
            confidence: Chart.getChart('chart-confidence').data.datasets[0].data.at(-1),
        })"""
    )
    assert drawn["reviews"] == 2
    assert drawn["share"] == [[active_model.version, 0.5]] and today[2].strip() == "0.500"
    assert f"{drawn['confidence']:.3f}" == today[3].strip()
    assert blocked == [] and other_hosts == []
