// End-to-end scenarios (see e2e/run.sh): the real app in a real window (WebKitWebDriver under
// Xvfb; on the Windows forge job, Microsoft Edge WebDriver), driven through the DOM by
// accessible names and roles. Each scenario has its own database and app folders.
//
// The layout at the sizes operators use, and screenshots of every view.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { eventdeskCli, root, settleWorkspaces, withApp, workspace } from "./harness.mjs";
import {
  SIM_OFF,
  WAIT,
  dbSetting,
  resizeTo,
  rowIds,
  tableGeometry,
  waitForRows,
} from "./steps.mjs";

// A passed scenario's folders go; a failed one's stay, with its artifacts, for a look.
afterEach((t) => settleWorkspaces(t.passed));

test("25. at 1280×800 the title has a third of the table; compact rows show at least 25 at once and are saved; with the detail pane open every header stays in view; panels open in a drawer that leaves the table where it is", async () => {
  const ws = workspace("layout");
  eventdeskCli("seed", "--db", ws.db, "--events", "300", "--seed", "25");
  await withApp("layout", ws, SIM_OFF, async (browser, session) => {
    await resizeTo(session, 1280, 800);
    await waitForRows(browser);
    let g = await tableGeometry(browser);
    const title = g.headers.find((h) => h.name === "col-title");
    assert.ok(title.width >= 0.35 * g.area.width, `title ${title.width} px of ${g.area.width}`);
    for (const h of g.headers)
      assert.ok(h.right <= g.area.right + 0.5, `${h.name} is cut off: ${JSON.stringify(h)}`);

    // Settings open in the drawer; the table does not move.
    await browser.$("button=Settings").click();
    await browser.$("#setting-density").waitForExist(WAIT);
    const withDrawer = await tableGeometry(browser);
    assert.deepEqual(withDrawer.area, g.area, "the table moved when a panel opened");
    await browser.$("#setting-density").selectByAttribute("value", "compact");
    await browser.waitUntil(async () => dbSetting(ws.db, "app")?.density === "compact", {
      ...WAIT,
      timeoutMsg: "compact was not saved",
    });
    await browser.keys("Escape");
    await browser.waitUntil(async () => !(await browser.$("aside.drawer").isExisting()), {
      ...WAIT,
      timeoutMsg: "Escape left the drawer open",
    });

    await browser.waitUntil(async () => (g = await tableGeometry(browser)).visible >= 25, {
      ...WAIT,
      timeoutMsg: `compact rows: only ${g.visible} in view (heights ${JSON.stringify(g.heights.slice(0, 5))}, table ${g.table})`,
    });
    // One line each: every row as tall as the first.
    assert.ok(
      Math.max(...g.heights) - Math.min(...g.heights) < 1,
      `rows of different heights: ${JSON.stringify(g.heights)}`,
    );

    // The detail pane: every header still inside the table and the window.
    const first = (await rowIds(browser))[0];
    await browser.$(`tr[data-event-id="${first}"] .col-title button`).click();
    await browser.$("aside.detail, .detail").waitForExist(WAIT);
    g = await tableGeometry(browser);
    for (const h of g.headers) {
      assert.ok(
        h.left >= g.area.left - 0.5 && h.right <= g.area.right + 0.5 && h.right <= g.viewport,
        `${h.name} is cut off with the detail pane open: ${JSON.stringify(h)} in ${JSON.stringify(g.area)}`,
      );
    }
    assert.ok(
      g.headers.some((h) => h.name === "col-action"),
      "the Action column stepped aside",
    );
  });
  // The density survives a restart.
  await withApp("layout-again", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser);
    await browser.waitUntil(
      async () =>
        browser.execute(() =>
          document.querySelector("table.events")?.classList.contains("density-compact"),
        ),
      {
        ...WAIT,
        timeoutMsg: "compact was not restored",
      },
    );
  });
});

test("26. screenshots of the main view, the detail pane, each panel and dark mode at 1024×768, 1280×800 and 1920×1080 (e2e/artifacts/screens)", async () => {
  const ws = workspace("screens");
  eventdeskCli("seed", "--db", ws.db, "--events", "500", "--seed", "26");
  const out = join(root, "e2e/artifacts/screens");
  // Shots of an earlier run must not stand in for this one's.
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const taken = [];
  await withApp("screens", ws, SIM_OFF, async (browser, session) => {
    await waitForRows(browser);
    const shot = async (name) => {
      // Two frames: whatever the resize or the click changed has been laid out and painted.
      await browser.executeAsync((done) =>
        requestAnimationFrame(() => requestAnimationFrame(() => done())),
      );
      await browser.saveScreenshot(join(out, `${name}.png`));
      taken.push(name);
    };
    for (const [w, h] of [
      [1024, 768],
      [1280, 800],
      [1920, 1080],
    ]) {
      const size = `${w}x${h}`;
      await resizeTo(session, w, h);
      await shot(`${size}-main`);
      for (const panel of ["Sources", "Silences", "Team", "Simulator", "Settings"]) {
        await browser.$(`button=${panel}`).click();
        await browser.$("aside.drawer").waitForExist(WAIT);
        await shot(`${size}-panel-${panel.toLowerCase()}`);
        await browser.$("button[aria-label='Close panels']").click();
      }
      const first = (await rowIds(browser))[0];
      await browser.$(`tr[data-event-id="${first}"] .col-title button`).click();
      await browser.$(".detail").waitForExist(WAIT);
      await shot(`${size}-detail`);
      const g = await tableGeometry(browser);
      for (const hd of g.headers)
        assert.ok(
          hd.right <= g.area.right + 0.5,
          `${size}: ${hd.name} is cut off with the detail pane open`,
        );
      await browser.keys("Escape");
      await browser.$("button=Settings").click();
      await browser.$("#setting-theme").selectByAttribute("value", "dark");
      await browser.waitUntil(
        async () =>
          (await browser.execute(() => document.documentElement.dataset.theme)) === "dark",
        WAIT,
      );
      await browser.$("button[aria-label='Close panels']").click();
      await shot(`${size}-dark`);
      await browser.$("button=Settings").click();
      await browser.$("#setting-theme").selectByAttribute("value", "light");
      await browser.$("button[aria-label='Close panels']").click();
    }
  });
  const sizes = ["1024x768", "1280x800", "1920x1080"];
  const views = [
    "main",
    "panel-sources",
    "panel-silences",
    "panel-team",
    "panel-simulator",
    "panel-settings",
  ];
  const expected = sizes.flatMap((s) => [...views, "detail", "dark"].map((v) => `${s}-${v}`));
  assert.deepEqual([...taken].sort(), [...expected].sort());
  assert.deepEqual(
    readdirSync(out)
      .filter((f) => f.endsWith(".png"))
      .sort(),
    expected.map((n) => `${n}.png`).sort(),
  );
  // Each is a PNG image of the window at its size: wider windows give wider shots, and the
  // dark theme is not the light one.
  const png = (name) => {
    const bytes = readFileSync(join(out, `${name}.png`));
    assert.equal(bytes.subarray(1, 4).toString("latin1"), "PNG", `${name} is a PNG`);
    return { bytes, width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  };
  const widths = sizes.map((s) => png(`${s}-main`).width);
  assert.ok(widths[0] < widths[1] && widths[1] < widths[2], `shot widths ${widths.join(", ")}`);
  for (const s of sizes) {
    const [main, dark] = [png(`${s}-main`), png(`${s}-dark`)];
    assert.ok(main.height > 0 && main.width > 0, `${s}: an empty shot`);
    assert.ok(!main.bytes.equals(dark.bytes), `${s}: the dark shot is the light one`);
  }
});
