// End-to-end scenarios (see e2e/run.sh): the real app in a real window (WebKitWebDriver under
// Xvfb; on the Windows forge job, Microsoft Edge WebDriver), driven through the DOM by
// accessible names and roles. Each scenario has its own database and app folders.
//
// The app around the table: typed errors, accessibility, settings, About and the log folder,
// the activity strip and export, a second launch, quitting, notifications, the locale.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  app,
  appEnv,
  appLog,
  dbStats,
  eventdeskCli,
  quitApp,
  root,
  settleWorkspaces,
  windows,
  withApp,
  workspace,
} from "./harness.mjs";
import {
  SIM_OFF,
  WAIT,
  dbEvents,
  dbSetting,
  documentWasNotReloaded,
  markDocument,
  openFilter,
  rowIds,
  text,
  waitForRows,
  waitForText,
} from "./steps.mjs";

// A passed scenario's folders go; a failed one's stay, with its artifacts, for a look.
afterEach((t) => settleWorkspaces(t.passed));

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
