// End-to-end scenarios (see e2e/run.sh): the real app in a real window (WebKitWebDriver under
// Xvfb; on the Windows forge job, Microsoft Edge WebDriver), driven through the DOM by
// accessible names and roles. Each scenario has its own database and app folders.
//
// The table in a real window: rows arriving live, paging, actions and their conflicts, the
// detail pane, bulk actions, search and filters, pausing live updates, other writers.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import {
  dbEvent,
  dbStats,
  eventdeskCli,
  eventdeskCliWithInput,
  settleWorkspaces,
  withApp,
  workspace,
} from "./harness.mjs";
import {
  SIM_OFF,
  WAIT,
  completeRow,
  dbEvents,
  documentWasNotReloaded,
  markDocument,
  noticesAbout,
  openFilter,
  row,
  rowIds,
  searchMatches,
  text,
  waitForRows,
  waitForText,
  watchRows,
} from "./steps.mjs";

// A passed scenario's folders go; a failed one's stay, with its artifacts, for a look.
afterEach((t) => settleWorkspaces(t.passed));

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
    // The window hears of the change (held while paused): the bar that says so moves the
    // table down, so the click waits for it rather than racing it.
    await waitForText(browser, "button.new-events", "1 new change");

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

test("9. the detail pane shows the record and a timeline that updates live and pages a long history", async () => {
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
    // A flapping alert raised 300 times: its timeline comes 200 changes at a time.
    const trigger = JSON.stringify({
      event_action: "trigger",
      dedup_key: "flapping",
      payload: { summary: "Link flapping on sw-3", source: "sw-3", severity: "warning" },
    });
    eventdeskCliWithInput(`${trigger}\n`.repeat(300), "ingest", "--db", ws.db);
    await waitForRows(browser, (ids) => ids[0] === 31, "the flapping event did not arrive");
    await row(browser, 31).$("aria/Link flapping on sw-3").click();
    await waitForText(browser, "aside.detail h2", "Event #31");
    const history = await browser.$("aria/History");
    await browser.waitUntil(async () => (await history.$$("li").length) === 200, WAIT);
    const earlier = await browser.$("button.earlier");
    assert.equal(await earlier.getText(), "Show 100 earlier changes (100 before these)");
    await earlier.click();
    await browser.waitUntil(async () => (await history.$$("li").length) === 300, {
      ...WAIT,
      timeoutMsg: "the earlier changes did not come",
    });
    assert.match(await history.$("li").getText(), /pagerduty|stdin/);
    assert.match(await history.$("li").getText(), /created/);
    assert.equal(await browser.$("button.earlier").isExisting(), false);
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
