"""The clinic page in a real browser: headless Chromium driven over the DevTools protocol.

Opens the page served on 127.0.0.1 at a phone's width and at a desktop's, takes screenshots,
checks that nothing overflows sideways, submits the form by clicking its button and finds the
estimate on the result page. Skipped only when no Chromium is installed (CI installs Debian's
`chromium`). Set WEB_SCREENSHOTS_DIR to keep the screenshots.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.clinics import load_clinics
from bot.i18n import translator
from bot.settings import Settings
from bot.web.server import create_app

from .test_web_pages import chat

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
)
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}


def find_chromium() -> str | None:
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium found (apt-get install -y chromium, or set CHROMIUM=/path/to/it)",
)


class Page:
    """A minimal DevTools protocol client for one page target."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._waiters: list[tuple[str, asyncio.Future[dict[str, Any]]]] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if "id" in data and data["id"] in self._pending:
                self._pending.pop(data["id"]).set_result(data)
            elif "method" in data:
                for waiter in list(self._waiters):
                    method, future = waiter
                    if method == data["method"] and not future.done():
                        future.set_result(data.get("params", {}))
                        self._waiters.remove(waiter)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        await self.ws.send_str(json.dumps({"id": ident, "method": method, "params": params}))
        reply = await asyncio.wait_for(future, 15)
        if "error" in reply:
            raise AssertionError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def expect(self, method: str) -> asyncio.Future[dict[str, Any]]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters.append((method, future))
        return future

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def load(self, url: str) -> None:
        loaded = self.expect("Page.loadEventFired")
        await self.send("Page.navigate", url=url)
        await asyncio.wait_for(loaded, 15)

    async def screenshot(self, path: Path, viewport: dict[str, Any]) -> bytes:
        await self.send("Emulation.setDeviceMetricsOverride", **viewport)
        metrics = await self.send("Page.getLayoutMetrics")
        height = min(int(metrics["cssContentSize"]["height"]), 6000)
        shot = await self.send(
            "Page.captureScreenshot", format="png", captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": viewport["width"], "height": height, "scale": 1},
        )
        data = base64.b64decode(shot["data"])
        path.write_bytes(data)
        return data

    async def close(self) -> None:
        self._reader.cancel()
        await self.ws.close()


async def start_chromium(user_data: Path) -> tuple[subprocess.Popen[bytes], str]:
    process = subprocess.Popen(
        [CHROMIUM, *FLAGS, f"--user-data-dir={user_data}", "--remote-debugging-port=0",
         "--remote-debugging-address=127.0.0.1", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    port_file = user_data / "DevToolsActivePort"
    for _ in range(300):  # up to 15 s
        if port_file.exists() and port_file.read_text().strip():
            port = port_file.read_text().split()[0]
            return process, f"http://127.0.0.1:{port}"
        if process.poll() is not None:
            raise AssertionError(f"chromium exited with {process.returncode}")
        await asyncio.sleep(0.05)
    process.kill()
    raise AssertionError("chromium did not open its DevTools port")


@pytest.fixture
async def site():
    settings = Settings(_env_file=None, telegram_bot_token=None, webhook_url=None,
                        bot_username="DemoClinicBot", api_keys=[])
    server = TestServer(create_app(settings, clinics=load_clinics()), host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


@pytest.fixture
async def page(tmp_path):
    process, devtools = await start_chromium(tmp_path / "profile")
    session = aiohttp.ClientSession()
    try:
        async with session.get(f"{devtools}/json/list") as response:
            targets = await response.json()
        target = next(t for t in targets if t["type"] == "page")
        ws = await session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
        browser_page = Page(ws)
        await browser_page.send("Page.enable")
        yield browser_page
        await browser_page.close()
    finally:
        await session.close()
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, 10)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)


def keep(path: Path) -> None:
    folder = os.environ.get("WEB_SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / path.name)


async def test_the_clinic_page_in_a_browser_on_a_phone_and_a_desktop(site, page, tmp_path):
    await page.send("Emulation.setDeviceMetricsOverride", **PHONE)
    await page.load(f"{site}/c/demo-clinic?lang=en")
    assert await page.evaluate("document.documentElement.lang") == "en"
    assert await page.evaluate("document.querySelector('h1').textContent") == (
        "Demo Medical Massage (Seattle)"
    )
    assert await page.evaluate("document.getElementById('start-link').href") == (
        "https://t.me/DemoClinicBot?start=demo-clinic"
    )
    # The stylesheet applied, and nothing is wider than the phone.
    assert await page.evaluate(
        "getComputedStyle(document.querySelector('.button')).display") == "inline-block"
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    qr = await page.evaluate("JSON.stringify(document.querySelector('svg.qr')"
                             ".getBoundingClientRect())")
    assert json.loads(qr)["width"] >= 120  # big enough to scan from a screen
    phone = await page.screenshot(tmp_path / "clinic-phone.png", PHONE)
    assert phone.startswith(b"\x89PNG")
    keep(tmp_path / "clinic-phone.png")

    await page.send("Emulation.setDeviceMetricsOverride", **DESKTOP)
    await page.load(f"{site}/c/demo-clinic?lang=en")
    assert await page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    await page.screenshot(tmp_path / "clinic-desktop.png", DESKTOP)
    keep(tmp_path / "clinic-desktop.png")


async def fill_in(page: Page, answers: dict[str, str]) -> None:
    for name, value in answers.items():
        await page.evaluate(f"document.getElementById({json.dumps('f-' + name)}).value = "
                            f"{json.dumps(value)}")


async def submit(page: Page) -> None:
    loaded = page.expect("Page.loadEventFired")
    await page.evaluate("document.querySelector('form.estimate button[type=submit]').click()")
    await asyncio.wait_for(loaded, 15)


async def test_submitting_the_form_in_a_browser_shows_the_estimate(site, page, tmp_path):
    await page.send("Emulation.setDeviceMetricsOverride", **PHONE)
    await page.load(f"{site}/c/demo-clinic?lang=es")
    # The questions of the chat, the clinic's insurers as its options (p2: Premera Blue Cross).
    answers = {
        "purpose": "medical", "payer": "commercial", "insurer": "p2", "plan_type": "ppo",
        "prescription": "yes", "diagnosis": "M54.50", "preauth": "not_required",
        "deductible": "1500", "deductible_met": "1500", "cost_share": "both", "copay": "25",
        "deductible_applies": "yes", "coinsurance": "0", "oop_max": "4000", "oop_met": "1500",
        "visit_limit": "20", "visits_used": "0", "sessions": "10", "account": "none",
    }
    await fill_in(page, answers)
    # "I don't know" is a click away on every typed question.
    await page.evaluate("document.querySelector('input[name=\"tax_rate-unknown\"]').click()")
    await submit(page)

    assert await page.evaluate("location.pathname") == "/c/demo-clinic/estimate"
    assert await page.evaluate("document.documentElement.lang") == "es"
    _, prompt = chat(answers, lang="es")
    total = await page.evaluate("document.getElementById('patient-total').textContent")
    assert total == translator("es").money(prompt.estimate.totals.patient)
    assert await page.evaluate("document.getElementById('recommended').textContent")
    assert await page.evaluate("document.querySelector('.explanation').textContent.length") > 50
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await page.screenshot(tmp_path / "result-phone.png", PHONE)
    keep(tmp_path / "result-phone.png")

    # "Change the answers" brings the form back with every answer in it.
    loaded = page.expect("Page.loadEventFired")
    await page.evaluate("document.querySelector('form button.secondary').click()")
    await asyncio.wait_for(loaded, 15)
    assert await page.evaluate("document.getElementById('f-deductible').value") == "1500"
    assert await page.evaluate("document.getElementById('f-insurer').value") == "p2"


async def test_a_mistake_comes_back_next_to_its_field_and_a_read_back_is_answered(
        site, page, tmp_path):
    await page.send("Emulation.setDeviceMetricsOverride", **PHONE)
    await page.load(f"{site}/c/demo-clinic?lang=es")
    await fill_in(page, {"purpose": "medical", "payer": "commercial", "insurer": "p0",
                         "deductible": "1.000", "coinsurance": "mucho", "cost_share": "both"})
    await submit(page)
    # The chat's message beside the field, the typed text kept, the field focused.
    error = await page.evaluate("document.getElementById('f-coinsurance-error').textContent")
    assert error == translator("es").gettext(
        "Please type a percentage between 0 and 100, for example 20%.")
    assert await page.evaluate("document.getElementById('f-coinsurance').value") == "mucho"
    assert await page.evaluate("document.activeElement.id") in ("f-deductible", "f-coinsurance")
    # "1.000": a thousand dollars or one? Asked as the chat asks it.
    assert await page.evaluate("!!document.getElementById('f-deductible-check')")
    await page.screenshot(tmp_path / "form-errors-phone.png", PHONE)
    keep(tmp_path / "form-errors-phone.png")
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await page.evaluate("document.querySelector('input[name=\"deductible-confirm\"]"
                        "[value=\"1000.00\"]').click()")
    await fill_in(page, {"coinsurance": "20"})
    await submit(page)
    assert await page.evaluate("!!document.getElementById('patient-total')")
    answers = await page.evaluate("document.querySelector('.answers').textContent")
    assert translator("es").money(1000) in answers
