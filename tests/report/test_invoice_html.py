"""`plan preview --format html`: one self-contained page, rendered by a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import main
from tests.support import CALLS_PACKAGE, PACKAGES, write_package

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)",
)
# No network, no profile, no background services: the page must render from itself alone.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def preview_html(package: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["preview", str(package), "--format", "html", *args])
    assert result.exit_code == 0, result.output
    return result.output


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class _Text(HTMLParser):
    """The text a reader sees, and the tags the browser built."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: set[str] = set()
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self._hidden += tag in ("style", "title")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("style", "title")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible(dom: str) -> tuple[str, set[str]]:
    parser = _Text()
    parser.feed(dom)
    return " ".join(" ".join(parser.parts).split()), parser.tags


def test_the_page_is_self_contained() -> None:
    page = preview_html(PACKAGES / "ai-platform", "--scenario", "november")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    for external in ("http://", "https://", "src=", "url(", "@import", "<link"):
        assert external not in page, external
    assert "default-src 'none'" in page  # and the browser is told to load nothing


@needs_chromium
def test_chromium_renders_the_totals(tmp_path: Path) -> None:
    page = tmp_path / "invoices.html"
    page.write_text(preview_html(PACKAGES / "ai-platform", "--scenario", "november"))
    done = chromium(page, tmp_path / "profile", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    text, tags = visible(done.stdout)
    # PixelForge (self-serve, list prices): 205.48, as in the golden invoice and the README.
    assert "PixelForge Studio" in text
    assert "Total due 205.48 USD" in text
    assert "Input tokens (per 1M) (model_name=kestrel-large)" in text
    assert "7.611586 15 114.17" in text  # quantity, unit price (as the plan keeps it), amount
    assert "u-kofi" in text  # a presentation sub-line (user_id)
    # Northwind: subtotal, what the commit and credit covered, and the total.
    assert "Northwind Analytics" in text
    assert re.search(
        r"Subtotal [\d,]+\.\d\d USD Commits and credits applied -[\d,]+\.\d\d USD "
        r"Total due [\d,]+\.\d\d USD",
        text,
    )
    assert "Where every event went" in text and "Lines read 1777" in text
    assert "script" not in tags


@needs_chromium
def test_chromium_screenshot(tmp_path: Path) -> None:
    page = tmp_path / "invoices.html"
    page.write_text(preview_html(PACKAGES / "saas-seats"))
    shot = tmp_path / "invoices.png"
    done = chromium(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1000,1400")
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a page with content, not a blank


HOSTILE = {
    **CALLS_PACKAGE,
    "products.yaml": """\
        products:
          calls: {name: "Calls </td><script>alert('product')</script>", type: usage, metric: calls}
        """,
    "scenarios/one/scenario.yaml": """\
        scenario:
          period: {starting_at: 2026-03-01, ending_before: 2026-04-01}
        customers:
          evil:
            name: "<script>alert('customer')</script> & <img src=x onerror=alert(1)>"
            contracts: [{id: evil-1, template: payg, starting_at: 2026-01-01}]
        """,
    "scenarios/one/events.jsonl": """\
        {"transaction_id": "t1", "customer_id": "evil", "event_type": "call",\
         "timestamp": "2026-03-02T00:00:00Z"}
        """,
}


def test_text_from_yaml_is_escaped(tmp_path: Path) -> None:
    package = write_package(tmp_path / "hostile", HOSTILE)
    page = preview_html(package)
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&#x27;customer&#x27;)&lt;/script&gt; &amp; &lt;img" in page
    assert "Calls &lt;/td&gt;&lt;script&gt;" in page


@needs_chromium
def test_escaped_text_renders_as_text(tmp_path: Path) -> None:
    package = write_package(tmp_path / "hostile", HOSTILE)
    page = tmp_path / "page.html"
    page.write_text(preview_html(package))
    done = chromium(page, tmp_path / "profile", "--dump-dom")
    text, tags = visible(done.stdout)
    assert "<script>alert('customer')</script> & <img src=x onerror=alert(1)>" in text
    assert "script" not in tags and "img" not in tags
    assert "Total due 1.00 USD" in text
