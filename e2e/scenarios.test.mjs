// End-to-end scenarios: the real app in a real window (WebKitWebDriver under Xvfb; on the
// Windows forge job, Microsoft Edge WebDriver), driven through the DOM by accessible names and
// roles. Each scenario has its own database and app folders.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  app,
  appEnv,
  appLog,
  cli,
  dbEvent,
  dbStats,
  eventdeskCli,
  freePort,
  quitApp,
  root,
  settleWorkspaces,
  windows,
  withApp,
  workspace,
} from "./harness.mjs";

// A passed scenario's folders go; a failed one's stay, with its artifacts, for a look.
afterEach((t) => settleWorkspaces(t.passed));

const WAIT = { timeout: 20_000, interval: 100 };
const SIM_OFF = { EVENTDESK_SIM: "off" };

/** Every event in the database (`eventdesk-cli dump`: a plain read of the table). */
function dbEvents(db) {
  return eventdeskCli("dump", "--db", db)
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** A saved setting, read from the database's settings table through `eventdesk-cli`. */
function dbSetting(db, key) {
  const line = eventdeskCli("settings", "--db", db)
    .split("\n")
    .find((l) => l.startsWith(`${key}\t`));
  return line ? JSON.parse(line.slice(key.length + 1)) : undefined;
}

/** The search rule for one word, written plainly: some word of the title, kind or source starts with it. */
function searchMatches(e, word) {
  const tokens = (text) =>
    text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean);
  return [e.title, e.kind, e.source].some((t) => tokens(t).some((w) => w.startsWith(word)));
}

/** The ids of the rows on screen, top to bottom. */
async function rowIds(browser) {
  return browser.execute(() =>
    Array.from(document.querySelectorAll("tbody tr[data-event-id]")).map((tr) =>
      Number(tr.getAttribute("data-event-id")),
    ),
  );
}

async function waitForRows(browser, predicate = (ids) => ids.length > 0, message = "rows") {
  let last = [];
  await browser.waitUntil(async () => predicate((last = await rowIds(browser))), {
    ...WAIT,
    timeoutMsg: `${message}; rows on screen: ${JSON.stringify(last.slice(0, 10))}`,
  });
  return last;
}

async function text(browser, selector) {
  return (await browser.$(selector)).getText();
}

async function waitForText(browser, selector, expected) {
  let seen = "";
  await browser.waitUntil(
    async () => {
      seen = await text(browser, selector).catch(() => "");
      return expected instanceof RegExp ? expected.test(seen) : seen === expected;
    },
    { ...WAIT, timeoutMsg: `${selector}: expected ${expected}, saw ${JSON.stringify(seen)}` },
  );
  return seen;
}

/** Closes the panel drawer, which lies over the right of the table. */
async function closePanels(browser) {
  await browser.$("button[aria-label='Close panels']").click();
  await browser.waitUntil(async () => !(await browser.$("aside.drawer").isExisting()), {
    ...WAIT,
    timeoutMsg: "the drawer stayed open",
  });
}

/** Marks the document so that a reload (which would drop the mark) can be detected. */
async function markDocument(browser) {
  await browser.execute(() => {
    window.__eventdeskMark = "still here";
  });
}

async function documentWasNotReloaded(browser) {
  assert.equal(
    await browser.execute(() => window.__eventdeskMark),
    "still here",
    "the page was reloaded",
  );
}

function row(browser, id) {
  return browser.$(`tr[data-event-id="${id}"]`);
}

/** The notices on screen that are about event `id`, with their text. */
async function noticesAbout(browser, id) {
  return browser.execute(
    (id) =>
      Array.from(document.querySelectorAll(".notice"))
        .map((n) => n.textContent)
        .filter((t) => t.includes(`Event #${id} `)),
    id,
  );
}

/** Dismisses the notices about event `id`. */
async function dismissNoticesAbout(browser, id) {
  await browser.execute((id) => {
    for (const n of document.querySelectorAll(".notice")) {
      if (!n.textContent.includes(`Event #${id} `)) continue;
      const dismiss = Array.from(n.querySelectorAll("button")).find(
        (b) => b.textContent === "Dismiss",
      );
      dismiss?.click();
    }
  }, id);
}

/**
 * Clicks Complete on a row and waits for what that click led to, read from the database's
 * history: the operator's completion of the version clicked on (the row may already show a
 * later change, such as the simulator reopening it), or a conflict notice about this event (the
 * simulator moved it first), which is dismissed before trying again.
 */
async function completeRow(browser, db, id) {
  for (let attempt = 0; attempt < 5; attempt++) {
    await dismissNoticesAbout(browser, id);
    const version = Number(await row(browser, id).getAttribute("data-version"));
    await row(browser, id).$("aria/Complete").click();
    let outcome = "";
    await browser.waitUntil(
      async () => {
        const change = dbEvent(db, id).history[version];
        if (change?.actor === "user" && change.field === "status" && change.to === "completed")
          outcome = "done";
        else if ((await noticesAbout(browser, id)).some((t) => t.includes("Nothing was changed")))
          outcome = "conflict";
        return outcome !== "";
      },
      { ...WAIT, timeoutMsg: `completing ${id} at version ${version} showed no outcome` },
    );
    if (outcome === "done") return version + 1;
  }
  throw new Error(`could not complete ${id}`);
}

test("1. on an empty database the table appears and the simulator's first rows arrive without a reload", async () => {
  const ws = workspace("empty");
  await withApp(
    "empty-db",
    ws,
    { EVENTDESK_SIM_RATE: "4", EVENTDESK_SIM_SEED: "11" },
    async (browser) => {
      await browser.$("table").waitForExist(WAIT);
      const headers = await browser.execute(() =>
        Array.from(document.querySelectorAll("thead th")).map((th) => th.textContent),
      );
      // At the window's default 1280 px the Kind column steps aside for the title (e2e 25).
      assert.deepEqual(headers, [
        "",
        "Time ▼",
        "Severity",
        "Source",
        "Title",
        "Status",
        "Updated",
        "Action",
      ]);
      await markDocument(browser);
      const ids = await waitForRows(
        browser,
        (ids) => ids.length >= 3,
        "simulator rows did not arrive",
      );
      assert.deepEqual(
        [...ids].sort((a, b) => b - a),
        ids,
        "newest first",
      );
      await documentWasNotReloaded(browser);
      const stats = dbStats(ws.db);
      assert.ok(
        stats.events >= ids.length,
        `database has ${stats.events} events, screen ${ids.length}`,
      );
    },
  );
});

test("2. paging a database of 1,000 events", async () => {
  const ws = workspace("paging");
  eventdeskCli("seed", "--db", ws.db, "--events", "1000", "--seed", "7");
  await withApp("paging", ws, SIM_OFF, async (browser) => {
    await waitForText(browser, ".page-of", "Page 1 of 20");
    assert.equal(dbStats(ws.db).events, 1000);
    assert.equal(await text(browser, ".total"), "1,000 events");
    let ids = await waitForRows(browser, (ids) => ids[0] === 1000);
    assert.equal(ids.length, 50);

    await browser.$("aria/Next page").click();
    await waitForText(browser, ".page-of", "Page 2 of 20");
    ids = await waitForRows(browser, (ids) => ids[0] === 950, "page 2 starts at 950");
    assert.equal(ids.at(-1), 901);

    await browser.$("aria/Last page").click();
    await waitForText(browser, ".page-of", "Page 20 of 20");
    await waitForRows(browser, (ids) => ids[0] === 50 && ids.at(-1) === 1, "last page holds 50..1");
    assert.equal(await browser.$("aria/Next page").isEnabled(), false);

    await browser.$("aria/Previous page").click();
    await waitForText(browser, ".page-of", "Page 19 of 20");
    await waitForRows(browser, (ids) => ids[0] === 100);

    await browser.$("aria/First page").click();
    await waitForText(browser, ".page-of", "Page 1 of 20");
    await waitForRows(browser, (ids) => ids[0] === 1000);

    await browser.$(".page-size select").selectByVisibleText("200");
    await waitForText(browser, ".page-of", "Page 1 of 5");
    ids = await waitForRows(browser, (ids) => ids.length === 200, "200 rows per page");
    assert.equal(ids.at(-1), 801);
  });
});

test("3. completing an event survives a restart", async () => {
  const ws = workspace("complete");
  eventdeskCli("seed", "--db", ws.db, "--events", "30", "--seed", "3");
  let target;
  await withApp("complete", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser);
    target = await browser.execute(() => {
      const button = Array.from(document.querySelectorAll("tbody button")).find(
        (b) => b.textContent === "Complete",
      );
      return Number(button.closest("tr").getAttribute("data-event-id"));
    });
    await completeRow(browser, ws.db, target);
    await waitForText(browser, `tr[data-event-id="${target}"] [data-status]`, /^Completed by you/);
    assert.equal(await row(browser, target).$("aria/Complete").isExisting(), false);
  });
  const stored = dbEvent(ws.db, target).event;
  assert.equal(stored.status, "completed");
  assert.equal(stored.completedBy, "user");
  await withApp("complete-restart", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser, (ids) => ids.includes(target));
    await waitForText(browser, `tr[data-event-id="${target}"] [data-status]`, /^Completed by you/);
  });
});

test("4. a new row appears on page 1 within 1 s of its commit, without a reload", async () => {
  const ws = workspace("live");
  eventdeskCli("seed", "--db", ws.db, "--events", "100", "--seed", "5");
  await withApp(
    "live",
    ws,
    { EVENTDESK_SIM_RATE: "2", EVENTDESK_SIM_SEED: "21", EVENTDESK_SIM_NEW_SHARE: "1" },
    async (browser) => {
      await waitForRows(browser, (ids) => ids.length === 50);
      await markDocument(browser);
      await watchRows(browser);
      const ids = await waitForRows(
        browser,
        (ids) => ids[0] > 102,
        "three new events did not arrive",
      );
      await documentWasNotReloaded(browser);
      const seen = await browser.execute(() => window.__seen);
      const fresh = ids.filter((id) => seen[String(id)] > 0);
      assert.ok(fresh.length >= 2, `fresh rows: ${fresh}`);
      for (const id of fresh) {
        const created = Number(await row(browser, id).getAttribute("data-created-at"));
        const lag = seen[id] - created;
        assert.ok(lag >= -50 && lag < 1000, `event ${id} appeared ${lag} ms after its commit`);
      }
    },
  );
});

test("5. the simulator reopens a user's completion; the row and the history say so", async () => {
  const ws = workspace("override");
  eventdeskCli("seed", "--db", ws.db, "--events", "20", "--seed", "9");
  const env = {
    EVENTDESK_SIM_RATE: "1",
    EVENTDESK_SIM_SEED: "4",
    EVENTDESK_SIM_OVERRIDE: "1",
    EVENTDESK_SIM_NEW_SHARE: "0.9",
  };
  await withApp("override", ws, env, async (browser) => {
    await waitForRows(browser);
    const target = await browser.execute(() => {
      const button = Array.from(document.querySelectorAll("tbody button")).find(
        (b) => b.textContent === "Complete",
      );
      return Number(button.closest("tr").getAttribute("data-event-id"));
    });
    // With an override chance of 1 the simulator reopens the completion within about a second,
    // so "Completed by you" may never be on screen long enough to see: the history says it was.
    const completed = await completeRow(browser, ws.db, target);
    await waitForText(browser, `tr[data-event-id="${target}"] .override`, /^reopened by simulator/);
    const stored = dbEvent(ws.db, target).history;
    assert.equal(stored[completed - 1].actor, "user");
    assert.ok(
      stored
        .slice(completed)
        .some((c) => c.actor === "simulator" && c.field === "status" && c.from === "completed"),
      JSON.stringify(stored),
    );
    // The title is the button that opens the history; its accessible name is the title.
    await row(browser, target)
      .$(`aria/${dbEvent(ws.db, target).event.title}`)
      .click();
    const history = await browser.$("aria/History");
    await history.waitForExist(WAIT);
    await browser.waitUntil(
      async () => {
        const actors = await browser.execute(() =>
          Array.from(document.querySelectorAll(".timeline li")).map((li) => li.dataset.actor),
        );
        return actors.includes("user") && actors.at(-1) === "simulator";
      },
      {
        ...WAIT,
        timeoutMsg: "history does not show the user's completion and the simulator's reopening",
      },
    );
    const lines = await history.getText();
    assert.match(lines, /you status: .* → completed/);
    assert.match(lines, /simulator status: completed → /);
  });
});

test("6. a change between render and click gives a conflict message and the current row; nothing is lost", async () => {
  const ws = workspace("conflict");
  eventdeskCli("seed", "--db", ws.db, "--events", "40", "--seed", "12");
  await withApp("conflict", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser);
    // Live updates paused: the window holds rows as they were while another program changes one.
    await browser.$("button=Pause live updates").click();
    await waitForText(browser, ".live", "Live updates paused");
    const target = await browser.execute(() => {
      const rows = Array.from(document.querySelectorAll("tbody tr[data-event-id]"));
      const canComplete = (tr) =>
        Array.from(tr.querySelectorAll("button")).some((b) => b.textContent === "Complete");
      const open = rows.find((tr) => canComplete(tr) && !tr.querySelector(".severity-critical"));
      return Number(open.getAttribute("data-event-id"));
    });
    const before = dbEvent(ws.db, target).event;
    // Another process changes the event; the window has not heard of it.
    eventdeskCli("escalate", "--db", ws.db, "--id", String(target));
    const changed = dbEvent(ws.db, target).event;
    assert.equal(changed.version, before.version + 1);
    assert.equal(Number(await row(browser, target).getAttribute("data-version")), before.version);

    assert.deepEqual(
      await noticesAbout(browser, target),
      [],
      "no notice about the event before the click",
    );
    await row(browser, target).$("aria/Complete").click();
    // The notice this click led to: the one about this event.
    let notices = [];
    await browser.waitUntil(
      async () => (notices = await noticesAbout(browser, target)).length > 0,
      {
        ...WAIT,
        timeoutMsg: `no notice about event ${target}`,
      },
    );
    assert.equal(notices.length, 1, JSON.stringify(notices));
    assert.match(
      notices[0],
      new RegExp(
        `Event #${target} was changed by the simulator \\d+ (s|min) ago: it is now ${changed.severity} and ${changed.status}\\. Nothing was changed\\.`,
      ),
    );
    await browser.waitUntil(
      async () =>
        Number(await row(browser, target).getAttribute("data-version")) === changed.version,
      WAIT,
    );
    assert.equal(await row(browser, target).$(".severity").getText(), changed.severity);
    const after = dbEvent(ws.db, target);
    assert.equal(after.event.status, before.status, "the stale click changed nothing");
    assert.equal(after.history.length, changed.version);

    await completeRow(browser, ws.db, target);
    assert.equal(dbEvent(ws.db, target).event.completedBy, "user");
  });
});

test("7. commands called with bad arguments answer with typed errors and the app keeps working", async () => {
  const ws = workspace("errors");
  eventdeskCli("seed", "--db", ws.db, "--events", "60", "--seed", "2");
  await withApp("errors", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser);
    const before = dbStats(ws.db);
    const answers = await browser.execute(async () => {
      const call = (cmd, args) =>
        window.__TAURI_INTERNALS__.invoke(cmd, args).then(
          (ok) => ({ ok }),
          (error) => ({ error }),
        );
      return {
        page0: await call("list_events", { query: { page: 0, pageSize: 50 } }),
        huge: await call("list_events", { query: { page: 1, pageSize: 10000 } }),
        negative: await call("get_event", { id: -4 }),
        unknown: await call("get_event", { id: 999999 }),
        stale: await call("complete_event", { id: 1, expectedVersion: 999 }),
        good: await call("list_events", { query: { page: 1, pageSize: 5 } }),
        // Least privilege: what the window does not use, it may not call.
        tray: await call("plugin:tray|new", { options: { id: "x" } }),
        image: await call("plugin:image|from_path", { path: "/etc/passwd" }),
        dialog: await call("plugin:dialog|save", { options: {} }),
        hide: await call("plugin:window|hide", { label: "main" }),
      };
    });
    for (const denied of ["tray", "image", "dialog", "hide"]) {
      assert.match(
        String(answers[denied].error),
        /not allowed|denied/i,
        `${denied}: ${JSON.stringify(answers[denied])}`,
      );
    }
    assert.equal(answers.page0.error.type, "InvalidInput");
    assert.equal(answers.page0.error.data.field, "page");
    assert.equal(answers.huge.error.type, "InvalidInput");
    assert.equal(answers.huge.error.data.field, "pageSize");
    assert.equal(answers.negative.error.type, "InvalidInput");
    assert.deepEqual(answers.unknown.error, { type: "NotFound", data: { id: 999999 } });
    assert.equal(answers.stale.error.type, "Conflict");
    assert.equal(answers.stale.error.data.current.id, 1);
    assert.equal(answers.good.ok.rows.length, 5);
    assert.deepEqual(dbStats(ws.db), before, "nothing was written");

    await browser.$("aria/Next page").click();
    await waitForText(browser, ".page-of", "Page 2 of 2");
    await waitForRows(browser, (ids) => ids[0] === 10);
  });
});

test("8. the main view has no serious or critical accessibility violations", async () => {
  const ws = workspace("a11y");
  eventdeskCli("seed", "--db", ws.db, "--events", "80", "--seed", "8");
  const axe = readFileSync(join(root, "node_modules/axe-core/axe.min.js"), "utf8");
  await withApp("a11y", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser);
    await browser.execute(axe);
    const violations = await browser.execute(async () => {
      const result = await window.axe.run(document, { resultTypes: ["violations"] });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        nodes: v.nodes.length,
        help: v.help,
      }));
    });
    const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    assert.deepEqual(bad, [], JSON.stringify(violations, null, 2));
  });
});

test("9. the detail pane shows the record and a timeline that updates live", async () => {
  const ws = workspace("detail");
  eventdeskCli("seed", "--db", ws.db, "--events", "30", "--seed", "14");
  await withApp("detail", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser);
    const target = await browser.execute(() => {
      const tr = Array.from(document.querySelectorAll("tbody tr[data-event-id]")).find((r) =>
        Array.from(r.querySelectorAll("button")).some((b) => b.textContent === "Acknowledge"),
      );
      return Number(tr.getAttribute("data-event-id"));
    });
    const stored = dbEvent(ws.db, target);
    // Keyboard: move to the row, Enter opens its details.
    const ids = await rowIds(browser);
    for (let i = 0; i <= ids.indexOf(target); i++) await browser.keys("j");
    await browser.waitUntil(
      async () => (await row(browser, target).getAttribute("data-current")) === "true",
      WAIT,
    );
    await browser.keys("Enter");
    await waitForText(browser, "aside.detail h2", `Event #${target}`);
    const timeline = await browser.$("aria/History");
    await browser.waitUntil(
      async () => (await timeline.$$("li").length) === stored.history.length,
      WAIT,
    );
    assert.equal(await browser.$(".detail-title").getText(), stored.event.title);
    // Acknowledge from the pane: the timeline grows by the user's change without reopening.
    await browser.$(".detail-actions").$("aria/Acknowledge").click();
    await browser.waitUntil(
      async () => (await timeline.$$("li").length) === stored.history.length + 1,
      WAIT,
    );
    assert.match(await timeline.getText(), /you status: open → acknowledged/);
    await waitForText(browser, `tr[data-event-id="${target}"] [data-status]`, "Acknowledged");
    assert.equal(dbEvent(ws.db, target).event.status, "acknowledged");
  });
});

test("10. bulk complete: selected rows complete in one command and the outcome is reported", async () => {
  const ws = workspace("bulk");
  eventdeskCli("seed", "--db", ws.db, "--events", "50", "--seed", "15");
  await withApp("bulk", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser);
    const targets = await browser.execute(() =>
      Array.from(document.querySelectorAll("tbody tr[data-event-id]"))
        .filter((r) =>
          Array.from(r.querySelectorAll("button")).some((b) => b.textContent === "Complete"),
        )
        .slice(0, 3)
        .map((r) => Number(r.getAttribute("data-event-id"))),
    );
    assert.equal(targets.length, 3);
    for (const id of targets) await browser.$(`aria/Select event ${id}`).click();
    await waitForText(browser, ".bulk-bar span", "3 selected");
    await browser.$("aria/Complete selected").click();
    await waitForText(
      browser,
      ".notice-info span",
      "Completed 3 · 0 conflicts · 0 not found · 0 skipped.",
    );
    for (const id of targets) {
      await waitForText(browser, `tr[data-event-id="${id}"] [data-status]`, /^Completed by you/);
      assert.equal(dbEvent(ws.db, id).event.completedBy, "user");
    }
  });
});

/** The "Open" status checkbox of the filter bar. */
function openFilter(browser) {
  return browser.$('form[aria-label="Filter events"]').$("aria/Open");
}

test("11. search and filters narrow the table, live, and survive a reload", async () => {
  const ws = workspace("search");
  eventdeskCli("seed", "--db", ws.db, "--events", "1000", "--seed", "7");
  await withApp("search", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser, (ids) => ids.length === 50);
    const search = await browser.$("aria/Search events");
    await search.setValue("ledger");
    await browser.waitUntil(
      async () => (await browser.execute(() => location.search)).includes("q=ledger"),
      {
        ...WAIT,
        timeoutMsg: "the search did not reach the URL",
      },
    );
    const matches = async () =>
      browser.execute(() =>
        Array.from(document.querySelectorAll("tbody tr[data-event-id]")).map((tr) =>
          tr.textContent.toLowerCase().includes("ledger"),
        ),
      );
    await browser.waitUntil(
      async () => {
        const m = await matches();
        return m.length > 0 && m.every(Boolean);
      },
      { ...WAIT, timeoutMsg: "rows without 'ledger' are still shown" },
    );
    await openFilter(browser).click();
    await browser.waitUntil(
      async () =>
        browser.execute(() => {
          const statuses = Array.from(document.querySelectorAll("tbody [data-status]")).map(
            (e) => e.textContent,
          );
          return statuses.length > 0 && statuses.every((t) => t.startsWith("Open"));
        }),
      { ...WAIT, timeoutMsg: "rows that are not open are still shown" },
    );
    // The total, against a count of the database's events (every event, filtered here).
    const all = dbEvents(ws.db);
    const ledgerOpen = all.filter((e) => e.status === "open" && searchMatches(e, "ledger"));
    const total = await waitForText(
      browser,
      ".total",
      `${ledgerOpen.length.toLocaleString("en-US")} events`,
    );
    await browser.refresh();
    await waitForRows(browser);
    assert.equal(await browser.$("aria/Search events").getValue(), "ledger");
    assert.equal(await openFilter(browser).isSelected(), true);
    assert.equal(await text(browser, ".total"), total);

    // A kind on top (no single index serves search + status + kind): the total is exact and
    // counts exactly what the table shows.
    const kind = await browser.$("//label[starts-with(normalize-space(.), 'Kind')]/select");
    await browser.waitUntil(async () => (await kind.$$("option")).length > 1, {
      ...WAIT,
      timeoutMsg: "no kinds to choose from",
    });
    await kind.selectByAttribute("value", "ledger.lag");
    await browser.waitUntil(
      async () => (await browser.execute(() => location.search)).includes("kind=ledger.lag"),
      {
        ...WAIT,
        timeoutMsg: "the kind did not reach the URL",
      },
    );
    await browser.waitUntil(
      async () =>
        browser.execute(() => {
          const rows = Array.from(document.querySelectorAll("tbody tr[data-event-id]"));
          return (
            rows.length > 0 &&
            rows.every(
              (tr) =>
                tr.dataset.kind === "ledger.lag" &&
                tr.querySelector("[data-status]").textContent.startsWith("Open"),
            )
          );
        }),
      { ...WAIT, timeoutMsg: "rows of other kinds are still shown" },
    );
    const ledgerLag = ledgerOpen.filter((e) => e.kind === "ledger.lag");
    assert.ok(ledgerLag.length > 0 && ledgerLag.length < ledgerOpen.length);
    await waitForText(
      browser,
      ".total",
      `${ledgerLag.length} ${ledgerLag.length === 1 ? "event" : "events"}`,
    );
    const shown = await rowIds(browser);
    assert.deepEqual(
      shown,
      ledgerLag
        .map((e) => e.id)
        .sort((a, b) => b - a)
        .slice(0, 50),
    );
  });
});

test("12. settings persist across a restart: dark theme and rows per page", async () => {
  const ws = workspace("settings");
  eventdeskCli("seed", "--db", ws.db, "--events", "120", "--seed", "4");
  await withApp("settings", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser, (ids) => ids.length === 50);
    assert.equal(await browser.execute(() => document.documentElement.dataset.theme), "light");
    await browser.$("button=Settings").click();
    await browser.$("#setting-theme").selectByAttribute("value", "dark");
    await browser.waitUntil(
      async () => (await browser.execute(() => document.documentElement.dataset.theme)) === "dark",
      {
        ...WAIT,
        timeoutMsg: "the dark theme was not applied",
      },
    );
    await browser.$("#setting-page-size").selectByAttribute("value", "25");
    await waitForRows(browser, (ids) => ids.length === 25, "25 rows after choosing 25 per page");
  });
  await withApp("settings-restart", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser, (ids) => ids.length === 25, "the saved page size after a restart");
    await browser.waitUntil(
      async () => (await browser.execute(() => document.documentElement.dataset.theme)) === "dark",
      {
        ...WAIT,
        timeoutMsg: "the saved theme was not applied after a restart",
      },
    );
    const background = await browser.execute(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(background, "rgb(243, 244, 246)", "the page is still light");
  });
});

test("13. About shows the version, the database and a log folder that holds the app's log; the app's files stay in EVENTDESK_HOME", async () => {
  const ws = workspace("about");
  const version = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version = "([^"]+)"/m)[1];
  await withApp("about", ws, SIM_OFF, async (browser) => {
    await browser.$("button=About").click();
    await waitForText(browser, '[data-testid="about-version"]', version);
    assert.equal(await text(browser, '[data-testid="about-db"]'), ws.db);
    const logs = await text(browser, '[data-testid="about-logs"]');
    assert.equal(logs, join(ws.home, "logs"), "the log folder is in EVENTDESK_HOME");
    // One file a day: two when the scenario runs across midnight (UTC).
    const files = readdirSync(logs).filter((f) => /^eventdesk\..*log$/.test(f));
    assert.ok(files.length >= 1 && files.length <= 2, `log files: ${readdirSync(logs)}`);
    assert.match(files.map((f) => readFileSync(join(logs, f), "utf8")).join(""), /database open/);
    await browser.$("button=Close").click();
    assert.equal(await browser.$("aria/About Eventdesk").isExisting(), false);
  });
  // Every folder of the app's own followed EVENTDESK_HOME, the web view's data too: none was
  // made in the system's per-user folders (here the scenario's XDG folders).
  if (!windows) {
    const strays = readdirSync(ws.xdg, { recursive: true }).filter((f) => /eventdesk/i.test(f));
    assert.deepEqual(strays, [], "nothing of the app's outside EVENTDESK_HOME");
  }
  assert.ok(existsSync(join(ws.home, "logs")), "the app wrote into EVENTDESK_HOME");
});

test("14. the activity strip sums up the last hour, and export writes the filtered view through the Export dialog", async () => {
  const ws = workspace("export");
  const target = join(ws.dir, "open.csv");
  const env = {
    EVENTDESK_SIM: "on",
    EVENTDESK_SIM_RATE: "40",
    EVENTDESK_SIM_SEED: "14",
    EVENTDESK_EXPORT_TO: target,
  };
  await withApp("export", ws, env, async (browser) => {
    await waitForText(
      browser,
      '[data-testid="activity-summary"]',
      /^[1-9][\d,]* events · [\d,]+ critical · peak [\d,]+\/min$/,
    );
    // Stop the simulator so that the view holds still while it is exported.
    await browser.$("button=Simulator").click();
    await browser.$("button=Pause simulator").click();
    await waitForText(browser, ".sim-status [data-running]", "Paused");
    await openFilter(browser).click();
    await waitForRows(browser);
    await browser.$("button=Export…").click();
    const dialog = await browser.$('[role="dialog"]');
    await dialog.waitForExist(WAIT);
    await dialog.$("aria/CSV (spreadsheets)").click();
    // The save dialog is the system's, opened by the app itself; EVENTDESK_EXPORT_TO answers it.
    await dialog.$("button=Choose file and export…").click();
    const open = dbEvents(ws.db).filter((e) => e.status === "open");
    await waitForText(
      browser,
      ".notice-info span",
      `Exported ${open.length.toLocaleString("en-US")} ${open.length === 1 ? "event" : "events"} to ${target}.`,
    );
    assert.equal(await browser.$('[role="dialog"]').isExisting(), false, "the dialog closed");
    const text = readFileSync(target, "utf8");
    assert.ok(text.startsWith("\uFEFF"), "a byte-order mark, for spreadsheets");
    const lines = text.slice(1).trim().split("\r\n");
    assert.equal(lines[0].split(",")[0], "id");
    assert.deepEqual(
      lines.slice(1).map((l) => Number(l.split(",")[0])),
      open.map((e) => e.id).sort((a, b) => b - a),
      "every open event, newest first",
    );
    assert.ok(
      lines.slice(1).every((l) => l.split(",")[3] === "open"),
      "only open events were exported",
    );
  });
});

test("15. a second launch hands over to the running window and exits", async () => {
  // On Linux the hand-over goes through the session bus; on Windows through the system's own.
  if (process.platform === "linux") {
    assert.ok(
      process.env.DBUS_SESSION_BUS_ADDRESS,
      "the scenarios run inside a D-Bus session (e2e/run.sh)",
    );
  }
  const ws = workspace("single");
  eventdeskCli("seed", "--db", ws.db, "--events", "20", "--seed", "5");
  await withApp("single", ws, SIM_OFF, async (browser, session) => {
    await waitForRows(browser);
    await markDocument(browser);
    // Out of sight first, as a window the operator minimised.
    await session.window.minimize();
    await browser.waitUntil(async () => !(await session.window.inSight()), {
      ...WAIT,
      timeoutMsg: "the window did not go out of sight",
    });
    const second = spawn(app, [], { env: appEnv(ws, SIM_OFF), stdio: "ignore" });
    const code = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        second.kill("SIGKILL");
        reject(new Error("the second launch kept running"));
      }, 15_000);
      second.once("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 0);
    await browser.waitUntil(
      async () => appLog(ws).includes("second launch: showing this window instead"),
      {
        ...WAIT,
        timeoutMsg: "the running app was not told about the second launch",
      },
    );
    await browser.waitUntil(async () => session.window.inSight(), {
      ...WAIT,
      timeoutMsg: "the window did not come back into sight",
    });
    await documentWasNotReloaded(browser);
    assert.ok((await rowIds(browser)).length > 0);
  });
});

test("16. Ctrl+Q quits, and so does a desktop session ending (SIGTERM); the window's size and position come back after either", async () => {
  const ws = workspace("window");
  const place = async ({ browser, window: frame }, [x, y, width, height]) => {
    await frame.setRect(x, y, width, height);
    await browser.waitUntil(async () => (await frame.rect()).width === width, {
      ...WAIT,
      timeoutMsg: "the window was not resized",
    });
  };
  // The saved place is applied as the window is created, which can be a moment after the
  // driver's session begins.
  const placed = async ({ browser, window: frame }, [x, y, width, height]) => {
    let rect = {};
    await browser
      .waitUntil(async () => {
        rect = await frame.rect();
        return rect.width === width && rect.height === height && rect.x === x && rect.y === y;
      }, WAIT)
      .catch(() => undefined);
    assert.deepEqual(rect, { x, y, width, height });
  };
  const first = [40, 30, 1000, 680];
  const second = [60, 50, 1040, 700];
  await withApp("window", ws, SIM_OFF, async (browser, session) => {
    // The page is up (its keyboard handling with it).
    await browser.$('[aria-label="Keyboard shortcuts"]').waitForExist(WAIT);
    await place(session, first);
    // The operator's own way out (closing the window only hides it in the tray).
    await quitApp(ws, { how: "keyboard", browser });
  });
  assert.match(appLog(ws), /quit from the window/);
  await withApp("window-restart", ws, SIM_OFF, async (browser, session) => {
    await placed(session, first);
    if (windows) return;
    await place(session, second);
    // A desktop session ending (SIGTERM): the app exits as cleanly and saves its windows.
    await quitApp(ws, { how: "signal" });
  });
  if (windows) return;
  assert.match(appLog(ws), /asked to stop: quitting cleanly/);
  await withApp("window-signal-restart", ws, SIM_OFF, async (browser, session) => {
    await placed(session, second);
  });
});

test("17. pausing live updates holds the table still; the held changes apply on resume without a reload", async () => {
  const ws = workspace("pause");
  eventdeskCli("seed", "--db", ws.db, "--events", "60", "--seed", "6");
  await withApp(
    "pause",
    ws,
    { EVENTDESK_SIM_RATE: "20", EVENTDESK_SIM_SEED: "17", EVENTDESK_SIM_NEW_SHARE: "0.5" },
    async (browser) => {
      await waitForRows(browser, (ids) => ids.length === 50);
      await markDocument(browser);
      const table = () =>
        browser.execute(() =>
          Array.from(document.querySelectorAll("tbody tr[data-event-id]")).map(
            (tr) => `${tr.dataset.eventId}@${tr.dataset.version}`,
          ),
        );
      await browser.$("button=Pause live updates").click();
      await waitForText(browser, ".live", "Live updates paused");
      const still = await table();
      // Changes keep being committed; the window counts them and shows none.
      const held = await waitForText(browser, ".new-events", /^([2-9]|\d{2,}) new changes$/);
      assert.deepEqual(await table(), still, `the table moved while paused (${held})`);
      // Stop the simulator (its panel) so that the database stands still, then resume.
      await browser.$("button=Simulator").click();
      await browser.$("button=Pause simulator").click();
      await waitForText(browser, ".sim-status [data-running]", "Paused");
      assert.deepEqual(await table(), still, "the table moved while paused");
      await browser.$(".new-events").click();
      await waitForText(browser, ".live", "Live");
      // Resumed: the rows are the database's newest 50, each at its current version.
      let expected = [];
      await browser.waitUntil(
        async () => {
          expected = dbEvents(ws.db)
            .sort((a, b) => b.id - a.id)
            .slice(0, 50)
            .map((e) => `${e.id}@${e.version}`);
          return (await table()).join() === expected.join();
        },
        {
          ...WAIT,
          timeoutMsg: `the held changes were not applied: expected ${expected.slice(0, 5)}…`,
        },
      );
      assert.notDeepEqual(expected, still);
      await documentWasNotReloaded(browser);
    },
  );
});

test("18. events another program writes into the window's file appear within 1 s", async () => {
  const ws = workspace("other-writer");
  eventdeskCli("seed", "--db", ws.db, "--events", "60", "--seed", "18");
  await withApp("other-writer", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser, (ids) => ids[0] === 60);
    await markDocument(browser);
    await watchRows(browser);
    // The command-line tool is another process writing to the same file.
    eventdeskCli("simulate", "--db", ws.db, "--changes", "3", "--seed", "5", "--new-share", "1");
    const ids = await waitForRows(
      browser,
      (ids) => ids[0] === 63,
      "the other program's events did not arrive",
    );
    assert.deepEqual(ids.slice(0, 4), [63, 62, 61, 60]);
    await documentWasNotReloaded(browser);
    const seen = await browser.execute(() => window.__seen);
    for (const id of [61, 62, 63]) {
      const created = Number(await row(browser, id).getAttribute("data-created-at"));
      const lag = seen[String(id)] - created;
      assert.ok(lag >= -50 && lag < 1000, `event ${id} appeared ${lag} ms after its commit`);
    }
    await waitForText(browser, ".total", "63 events");
  });
});

test("19. a critical event reaches the desktop's notification service, and none does while notifications are off", async () => {
  const ws = workspace("notify");
  eventdeskCli("seed", "--db", ws.db, "--events", "80", "--seed", "19");
  // On the first page (the 50 newest), one step below critical.
  const candidates = dbEvents(ws.db).filter(
    (e) => e.id > 30 && e.severity === "error" && e.status !== "completed",
  );
  assert.ok(candidates.length >= 2, "two events one step below critical");
  const [first, second] = candidates;
  // What reached the notification service. On Linux the session bus's own monitor sees every
  // call to it. Windows has no bus to watch: there the app's log line for each notice it
  // handed to the system stands in, with no failure logged after it.
  let calls = "";
  let monitorError = null;
  const monitor = windows
    ? null
    : spawn(
        "dbus-monitor",
        [
          "--session",
          "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
        ],
        {
          stdio: ["ignore", "pipe", "ignore"],
        },
      );
  monitor?.on("error", (e) => (monitorError = e));
  monitor?.stdout.on("data", (chunk) => (calls += chunk));
  const notified = () =>
    windows
      ? appLog(ws)
          .split("\n")
          .filter((l) => l.includes("critical notice"))
          .join("\n")
      : calls;
  try {
    await withApp("notify", ws, SIM_OFF, async (browser) => {
      await waitForRows(browser);
      eventdeskCli("escalate", "--db", ws.db, "--id", String(first.id));
      await browser.waitUntil(
        async () => monitorError !== null || notified().includes(`Critical: ${first.title}`),
        {
          ...WAIT,
          timeoutMsg: `no Notify call for event ${first.id}; the monitor saw: ${notified().slice(-500)}`,
        },
      );
      assert.equal(monitorError, null, `dbus-monitor did not run: ${monitorError}`);
      assert.ok(
        !appLog(ws).includes("the desktop did not show the notification"),
        "the desktop refused the notice",
      );
      await browser.$("button=Settings").click();
      const box = await browser.$("aria/Desktop notifications for critical events");
      await box.click();
      await browser.waitUntil(async () => !(await box.isSelected()), WAIT);
      await browser.waitUntil(async () => dbSetting(ws.db, "app")?.notifications === false, {
        ...WAIT,
        timeoutMsg: "the setting was not saved",
      });
      eventdeskCli("escalate", "--db", ws.db, "--id", String(second.id));
      await waitForText(browser, `tr[data-event-id="${second.id}"] .severity`, "critical");
      await browser.waitUntil(
        async () => appLog(ws).includes("critical events not notified: notifications are off"),
        {
          ...WAIT,
          timeoutMsg: "the notifier did not pass on the second event",
        },
      );
      assert.ok(
        !notified().includes(`Critical: ${second.title}`),
        "a notice was sent while notifications were off",
      );
    });
  } finally {
    monitor?.kill();
  }
});

test("20. a search with more matches than are counted at once says its total is a lower bound", async () => {
  const ws = workspace("inexact");
  eventdeskCli("seed", "--db", ws.db, "--events", "120000", "--seed", "20");
  const word = "in";
  const hits = dbEvents(ws.db).filter((e) => searchMatches(e, word)).length;
  assert.ok(hits > 40_000, `"${word}" matches ${hits} events`);
  await withApp("inexact", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser, (ids) => ids[0] === 120000);
    await browser.$("aria/Search events").setValue(word);
    await waitForText(browser, ".total", "more than 500 events");
    await waitForText(browser, ".page-of", "Page 1");
    const rows = await browser.execute(() =>
      Array.from(document.querySelectorAll("tbody tr[data-event-id]")).map((tr) =>
        tr.textContent.toLowerCase(),
      ),
    );
    assert.equal(rows.length, 50);
  });
});

/** The test broker's URL as guest, with its password (scripts/test.sh starts a private RabbitMQ
 * node and sets it): what an operator types into the Sources panel. */
function brokerUrl() {
  const url = process.env.EVENTDESK_TEST_AMQP;
  assert.ok(
    url,
    "EVENTDESK_TEST_AMQP is not set: run through scripts/test.sh, or start a node with scripts/rabbitmq.sh",
  );
  return url;
}

/** The environment that makes the command-line tool (or a team desk) log in to the test broker
 * as `user` (scripts/rabbitmq.sh makes each user's password its name): never on a command line. */
function asUser(user) {
  const host = brokerUrl().split("@")[1];
  return { EVENTDESK_AMQP_URL: `amqp://${user}@${host}`, EVENTDESK_AMQP_PASSWORD: user };
}

/** `eventdesk-cli` logged in to the test broker as `user`. */
function cliAs(user, ...args) {
  return execFileSync(cli, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...asUser(user) },
  });
}

/** Publishes each message (an object) to `queue` through `eventdesk-cli publish`, as guest. */
function publish(queue, ...messages) {
  return execFileSync(cli, ["publish", "--queue", queue], {
    input: messages.map((m) => JSON.stringify(m)).join("\n"),
    encoding: "utf8",
    env: { ...process.env, ...asUser("guest") },
  });
}

function alertmanagerMessage(status, fingerprint) {
  return {
    version: "4",
    status,
    receiver: "eventdesk",
    groupKey: '{}:{alertname="DiskFull"}',
    externalURL: "http://alertmanager.example:9093",
    alerts: [
      {
        status,
        fingerprint,
        labels: { alertname: "DiskFull", instance: "db-7:9100", severity: "critical" },
        annotations: {
          summary: "Disk full on db-7",
          runbook_url: "https://runbooks.example/disk-full",
        },
        startsAt: "2026-11-26T08:00:00Z",
        endsAt: status === "resolved" ? "2026-11-26T08:05:00Z" : "0001-01-01T00:00:00Z",
        generatorURL: "http://prometheus.example/graph?g0.expr=disk",
      },
    ],
  };
}

/**
 * Starts recording, in the page's own clock, when each row first appears in the DOM; rows
 * already on screen are marked 0 and not measured.
 */
async function watchRows(browser) {
  await browser.execute(() => {
    window.__seen = {};
    for (const tr of document.querySelectorAll("tbody tr[data-event-id]"))
      window.__seen[tr.getAttribute("data-event-id")] = 0;
    const tbody = document.querySelector("tbody");
    new MutationObserver(() => {
      for (const tr of tbody.querySelectorAll("tr[data-event-id]")) {
        const id = tr.getAttribute("data-event-id");
        if (!(id in window.__seen)) window.__seen[id] = Date.now();
      }
    }).observe(tbody, { childList: true, subtree: true });
  });
}

test("21. a RabbitMQ stream read from the Sources panel: its alert appears within 1 s, and Alertmanager's resolved completes the row, which says who", async () => {
  const ws = workspace("rabbitmq");
  const queue = `e2e-alerts-${process.pid}`;
  cliAs("guest", "declare", "--queue", queue);
  eventdeskCli("seed", "--db", ws.db, "--events", "20", "--seed", "21");
  const opened = join(ws.dir, "opened-links.txt");
  await withApp("rabbitmq", ws, { ...SIM_OFF, EVENTDESK_OPENED_LINKS: opened }, async (browser) => {
    await waitForRows(browser, (ids) => ids[0] === 20);
    await markDocument(browser);
    await browser.$("aria/Sources").click();
    const form = await browser.$("aria/Read a queue");
    await form.$("aria/URL").setValue(brokerUrl());
    await form.$("aria/Queue").setValue(queue);
    await form.$("aria/Read queue").click();
    await waitForText(browser, `li[data-queue="${queue}"] .source-state`, /^Connected since/);
    // The password is not shown.
    assert.doesNotMatch(await text(browser, ".queues"), /guest:guest/);
    await closePanels(browser);
    await watchRows(browser);
    const sent = Date.now();
    publish(queue, alertmanagerMessage("firing", "e2e0f1ngerpr1nt"));
    await waitForRows(browser, (ids) => ids[0] === 21, "the stream's alert did not arrive");
    const seen = await browser.execute(() => window.__seen);
    const created = Number(await row(browser, 21).getAttribute("data-created-at"));
    const lag = seen["21"] - created;
    console.log(
      `[e2e] RabbitMQ alert: on screen ${lag} ms after its commit, ${seen["21"] - sent} ms after publish began`,
    );
    assert.ok(lag >= -50 && lag < 1000, `the alert appeared ${lag} ms after its commit`);
    await documentWasNotReloaded(browser);
    const stored = dbEvent(ws.db, 21);
    assert.equal(stored.event.dedupKey, "e2e0f1ngerpr1nt");
    assert.equal(stored.event.severity, "critical");
    assert.equal(stored.event.updatedBy, `source:rabbitmq:${queue}`);
    // The detail pane: where it came from, its links.
    await row(browser, 21).$("button.link").click();
    const from = await browser.$("aria/From the source");
    await from.waitForExist(WAIT);
    assert.match(await from.getText(), /e2e0f1ngerpr1nt/);
    await from.$("aria/Runbook").click();
    await browser.waitUntil(
      () =>
        existsSync(opened) &&
        readFileSync(opened, "utf8").includes("https://runbooks.example/disk-full"),
      {
        ...WAIT,
        timeoutMsg: "the runbook link was not opened",
      },
    );
    // Resolved: the row completes and says by whom.
    publish(queue, alertmanagerMessage("resolved", "e2e0f1ngerpr1nt"));
    let status = "";
    await browser.waitUntil(
      async () =>
        (status = await browser.execute(
          () => document.querySelector('tr[data-event-id="21"] [data-status]')?.textContent ?? "",
        )).startsWith(`Completed by rabbitmq:${queue}`),
      { ...WAIT, timeoutMsg: `the row did not say who completed it: ${JSON.stringify(status)}` },
    );
    assert.equal(dbEvent(ws.db, 21).event.completedBy, `source:rabbitmq:${queue}`);
    const timeline = await browser.$("aria/History");
    await browser.waitUntil(
      async () => /rabbitmq:.* status: open → completed/.test(await timeline.getText()),
      WAIT,
    );
  });
  // The queue is remembered (its URL in the session's secrets only): a restart reads it again.
  assert.ok(dbSetting(ws.db, "sources").queues.some((q) => q.queue === queue));
});

test("22. the loopback HTTP endpoint: a PagerDuty trigger appears at once and again marks a repeat; a wrong token writes nothing", async () => {
  const ws = workspace("http");
  eventdeskCli("seed", "--db", ws.db, "--events", "10", "--seed", "22");
  const port = await freePort();
  const token = "e2e-token-0123456789abcdef";
  const send = (auth, body) =>
    fetch(`http://127.0.0.1:${port}/v2/enqueue`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${auth}` },
      body: JSON.stringify(body),
    });
  const trigger = {
    event_action: "trigger",
    dedup_key: "checkout/latency",
    payload: {
      summary: "Checkout p99 latency above 2 s",
      source: "checkout-api",
      severity: "error",
      custom_details: { p99_ms: 2300 },
    },
  };
  await withApp(
    "http",
    ws,
    { ...SIM_OFF, EVENTDESK_HTTP_LISTEN: String(port), EVENTDESK_HTTP_TOKEN: token },
    async (browser) => {
      await waitForRows(browser, (ids) => ids[0] === 10);
      await browser.$("aria/Sources").click();
      await waitForText(
        browser,
        '[data-source="http"] .source-state',
        `Listening on http://127.0.0.1:${port} · set by EVENTDESK_HTTP_LISTEN`,
      );
      assert.equal((await send("wrong-token-wrong-token", trigger)).status, 401);
      assert.equal(dbStats(ws.db).events, 10);
      await watchRows(browser);
      const answer = await send(token, trigger);
      assert.equal(answer.status, 202);
      assert.equal((await answer.json()).dedup_key, "checkout/latency");
      await waitForRows(browser, (ids) => ids[0] === 11, "the HTTP event did not arrive");
      const seen = await browser.execute(() => window.__seen);
      const lag = seen["11"] - Number(await row(browser, 11).getAttribute("data-created-at"));
      assert.ok(lag >= -50 && lag < 1000, `the event appeared ${lag} ms after its commit`);
      assert.equal(
        (await send(token, { ...trigger, payload: { ...trigger.payload, severity: "critical" } }))
          .status,
        202,
      );
      await waitForText(browser, 'tr[data-event-id="11"] .occurrences', "×2");
      await waitForText(browser, '[data-source="http"] .source-counts', /^2 applied/);
    },
  );
});

/** A PagerDuty trigger with key `key`. */
function pagerdutyTrigger(key, summary) {
  return {
    event_action: "trigger",
    dedup_key: key,
    payload: { summary, source: "db-7", severity: "error" },
  };
}

test("23. a team desk: another desk's action shows within 1 s with its operator's name; the Team panel lists the desks and the roster; this desk's own action goes through the stream; the window's file is a replica", async () => {
  const ws = workspace("team");
  const stream = `e2e-team-${process.pid}`;
  // Alice founds the team (offset 0) and makes bob an operator (offset 1); three events follow.
  const teamRef = cliAs("alice", "create-team", "--stream", stream, "--name", "Alice A.").trim();
  assert.equal(teamRef, `${stream}/alice`);
  cliAs("alice", "roster", "--stream", stream, "--set", "bob=operator:Bob B.");
  publish(
    stream,
    pagerdutyTrigger("t0", "Replica lag on db-7"),
    pagerdutyTrigger("t1", "Disk filling on db-8"),
    pagerdutyTrigger("t2", "Certificate expires"),
  );
  const team = { EVENTDESK_TEAM: teamRef, ...asUser("alice"), EVENTDESK_DESK: "desk-e2e" };
  await withApp("team", ws, { ...SIM_OFF, ...team }, async (browser) => {
    await waitForRows(browser, (ids) => ids.length === 3, "the team's events did not arrive");
    await markDocument(browser);
    // Bob, at another desk, completes the event with team key 3 (local id 2 here).
    await browser.execute(() => {
      window.__completedAt = null;
      new MutationObserver(() => {
        const cell = document.querySelector('tr[data-event-id="2"] [data-status]');
        if (window.__completedAt === null && cell?.textContent.startsWith("Completed by Bob B."))
          window.__completedAt = Date.now();
      }).observe(document.querySelector("tbody"), {
        childList: true,
        subtree: true,
        characterData: true,
      });
    });
    const sent = Date.now();
    cliAs(
      "bob",
      "act",
      "--stream",
      stream,
      "--desk",
      "desk-b",
      "--action",
      "complete",
      "--event",
      "3",
      "--expected-version",
      "1",
    );
    await browser.waitUntil(() => browser.execute(() => window.__completedAt !== null), {
      ...WAIT,
      timeoutMsg: "bob's completion did not show",
    });
    const lag = (await browser.execute(() => window.__completedAt)) - sent;
    console.log(`[e2e] team: another desk's action on screen ${lag} ms after it was sent`);
    assert.ok(lag < 1000, `another desk's action showed ${lag} ms after it was sent`);
    // Bob's desk (headless) announces itself: the Team panel lists both desks.
    const bobDesk = spawn(
      cli,
      ["replicate", "--db", join(ws.dir, "bob.db"), "--team", teamRef, "--desk", "desk-b"],
      {
        stdio: "ignore",
        env: { ...process.env, ...asUser("bob") },
      },
    );
    try {
      await waitForText(browser, ".team-state", "Team: in step");
      await browser.$("aria/Team").click();
      const desk = (name) =>
        browser.execute(
          (n) => document.querySelector(`tr[data-desk="${n}"]`)?.innerText ?? "",
          name,
        );
      let seen = "";
      await browser.waitUntil(
        async () => /^desk-b\s+bob\s+up to date\s+online$/.test((seen = await desk("desk-b"))),
        {
          ...WAIT,
          timeoutMsg: `the Team panel did not list bob's desk: ${JSON.stringify(seen)}`,
        },
      );
      assert.match(await desk("desk-e2e"), /this desk.*alice/s);
      const panel = await browser.execute(
        () => document.querySelector('section[aria-labelledby="team-heading"]')?.textContent ?? "",
      );
      assert.match(panel, /you are Alice A\. \(alice\) \(admin\) at desk desk-e2e/);
      assert.match(panel, /bobBob B\.operator/);
    } finally {
      bobDesk.kill();
    }
    await closePanels(browser);
    // Alice acknowledges event 3 (team key 4) from the window: through the stream and back.
    await row(browser, 3).$("aria/Acknowledge").click();
    await waitForText(browser, 'tr[data-event-id="3"] [data-status]', /^Acknowledged/);
    const acknowledged = dbEvent(ws.db, 3).event;
    assert.equal(acknowledged.updatedBy, "operator:alice");
    assert.equal(acknowledged.teamKey, "4");
    await documentWasNotReloaded(browser);
  });
  // Every desk ends the same: a headless replica of the stream equals the window's file.
  const other = join(ws.dir, "other-desk.db");
  const windowDesk = eventdeskCli("dump", "--team", "--db", ws.db);
  // --until-idle may end a run early on a loaded machine; another run goes on from there.
  for (let run = 0; run < 3; run++) {
    cliAs("guest", "replicate", "--db", other, "--team", teamRef, "--until-idle", "2");
    if (eventdeskCli("dump", "--team", "--db", other) === windowDesk) break;
  }
  assert.equal(eventdeskCli("dump", "--team", "--db", other), windowDesk);
  assert.match(windowDesk, /"operator":"alice","outcome":"done"/);
  assert.match(windowDesk, /"operator":"bob","outcome":"done"/);
});

test("24. under LANG=C.UTF-8 (a locale WebKit's Intl rejects) the activity chart draws and times read as en-US", async () => {
  const ws = workspace("lang-c");
  eventdeskCli("seed", "--db", ws.db, "--events", "200", "--seed", "24");
  await withApp(
    "lang-c",
    ws,
    { ...SIM_OFF, LANG: "C.UTF-8", LC_ALL: "C.UTF-8" },
    async (browser) => {
      await waitForRows(browser);
      assert.equal(await browser.execute(() => navigator.language), "en-US");
      let size = { width: 0, height: 0 };
      await browser.waitUntil(
        async () => {
          size = await browser.execute(() => {
            const canvas = document.querySelector(".activity-chart canvas");
            return { width: canvas?.width ?? 0, height: canvas?.height ?? 0 };
          });
          return size.width > 0 && size.height > 0;
        },
        { ...WAIT, timeoutMsg: `the chart did not draw: ${JSON.stringify(size)}` },
      );
      assert.equal(
        await browser.execute(() => document.querySelector(".chart-error")?.textContent ?? null),
        null,
      );
      // Times of day in the table, as en-US writes them.
      const time = await browser.execute(
        () => document.querySelector("tbody tr[data-event-id] time")?.textContent ?? "",
      );
      assert.match(
        time,
        /^(\d{1,2}:\d{2}:\d{2} [AP]M|[A-Z][a-z]{2} \d{1,2}, \d{1,2}:\d{2} [AP]M)$/,
      );
    },
  );
});

/**
 * Sizes the window's content to width × height and waits until the page sees it. The window's
 * own size includes its frame and title bar where the system draws them (Windows; not Xvfb):
 * what the page lacks after the first try is added in a second.
 */
async function resizeTo({ browser, window: frame }, width, height) {
  const inner = () => browser.execute(() => [window.innerWidth, window.innerHeight]);
  let seen = [];
  const fits = (timeout) =>
    browser
      .waitUntil(
        async () => {
          seen = await inner();
          return seen[0] === width && seen[1] === height;
        },
        { timeout, interval: 100 },
      )
      .then(
        () => true,
        () => false,
      );
  await frame.setRect(0, 0, width, height);
  if (await fits(3_000)) return;
  const outer = await frame.rect();
  await frame.setRect(0, 0, outer.width + width - seen[0], outer.height + height - seen[1]);
  assert.ok(
    await fits(WAIT.timeout),
    `the page did not become ${width}×${height} (it is ${seen.join("×")}; the screen may be smaller)`,
  );
}

/** Where the table's headers and the visible rows are, measured in the page. */
async function tableGeometry(browser) {
  return browser.execute(() => {
    const area = document.querySelector(".table-area").getBoundingClientRect();
    const head = document.querySelector("table.events thead").getBoundingClientRect();
    const pager = document.querySelector(".pagination").getBoundingClientRect();
    const headers = [...document.querySelectorAll("table.events thead th")].map((th) => {
      const r = th.getBoundingClientRect();
      return { name: th.className, left: r.left, right: r.right, width: r.width };
    });
    const rows = [...document.querySelectorAll("tbody tr[data-event-id]")].map((tr) =>
      tr.getBoundingClientRect(),
    );
    const visible = rows.filter(
      (r) => r.top >= head.bottom - 1 && r.bottom <= pager.top + 1,
    ).length;
    return {
      area: { left: area.left, right: area.right, width: area.width },
      viewport: window.innerWidth,
      headers,
      visible,
      heights: rows.map((r) => r.height),
      table: `${document.querySelector("table.events").className}, rows from ${head.bottom} to ${pager.top}`,
    };
  });
}

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
  mkdirSync(out, { recursive: true });
  await withApp("screens", ws, SIM_OFF, async (browser, session) => {
    await waitForRows(browser);
    const shot = async (name) => {
      await browser.pause(150); // let layout settle after a resize or a click
      await browser.saveScreenshot(join(out, `${name}.png`));
    };
    for (const [w, h] of [
      [1024, 768],
      [1280, 800],
      [1920, 1080],
    ]) {
      const size = `${w}x${h}`;
      await resizeTo(session, w, h);
      await shot(`${size}-main`);
      for (const panel of ["Sources", "Team", "Simulator", "Settings"]) {
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
  const files = readdirSync(out).filter((f) => f.endsWith(".png"));
  assert.equal(files.length, 21, `screenshots: ${files.join(", ")}`);
});
