// End-to-end scenarios (see e2e/run.sh): the real app in a real window (WebKitWebDriver under
// Xvfb; on the Windows forge job, Microsoft Edge WebDriver), driven through the DOM by
// accessible names and roles. Each scenario has its own database and app folders.
//
// Noise control in a real window: silences, snoozes and the desk's timers.
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
  alertmanagerMessage,
  closePanels,
  dbEvents,
  dbSetting,
  rowIds,
  waitForRows,
  waitForText,
} from "./steps.mjs";

// A passed scenario's folders go; a failed one's stay, with its artifacts, for a look.
afterEach((t) => settleWorkspaces(t.passed));

test("27. silence similar from an event: the preview counts what it mutes, the event leaves the table and is counted, a new alert like it never shows, both show marked on demand, and expiring brings them back", async () => {
  const ws = workspace("silences");
  eventdeskCli("seed", "--db", ws.db, "--events", "40", "--seed", "27");
  const alert = (fingerprint) => `${JSON.stringify(alertmanagerMessage("firing", fingerprint))}\n`;
  await withApp("silences", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser, (ids) => ids[0] === 40);
    // Another program writes an Alertmanager alert into the window's file.
    eventdeskCliWithInput(alert("e2e-silence-1"), "ingest", "--db", ws.db);
    await waitForRows(browser, (ids) => ids[0] === 41, "the alert did not arrive");
    await browser.$('tr[data-event-id="41"] button.link').click();
    await browser.$("aria/Silence similar…").click();
    const form = await browser.$("aria/New silence");
    await form.waitForExist(WAIT);
    assert.equal(
      await form.$("textarea").getValue(),
      '{label.alertname="DiskFull", label.instance="db-7:9100", label.severity="critical"}',
    );
    await waitForText(browser, ".silence-preview", "Matches 1 open events now");
    await form.$("aria/Why").setValue("disk swap on db-7");
    await form.$("button[type=submit]").click();
    await waitForRows(browser, (ids) => ids[0] === 40, "the silenced event did not leave");
    await waitForText(browser, ".silenced-count", "1 silenced");
    await waitForText(browser, '.silence-list li[data-silence="1"] .silence-state', "active");

    // The same alert from another instance of the trouble: muted as it arrives.
    eventdeskCliWithInput(alert("e2e-silence-2"), "ingest", "--db", ws.db);
    await browser.waitUntil(() => dbStats(ws.db).events === 42, WAIT);
    await waitForText(browser, ".silenced-count", "2 silenced");
    assert.ok(!(await rowIds(browser)).includes(42), "a muted event showed in the table");

    // Shown on demand, each marked with its silence.
    await browser.$("aria/Silenced").selectByAttribute("value", "show");
    await waitForRows(browser, (ids) => ids[0] === 42 && ids[1] === 41, "the muted events");
    assert.equal(await browser.$('tr[data-event-id="42"]').getAttribute("data-silenced-by"), "1");
    await waitForText(browser, 'tr[data-event-id="42"] .silenced-by', "silenced by #1");
    await browser.$("aria/Silenced").selectByAttribute("value", "hide");
    await waitForRows(browser, (ids) => ids[0] === 40, "the muted events hidden again");

    // Expired early: they are back, and the file says so.
    await browser.$('.silence-list li[data-silence="1"]').$("aria/Expire").click();
    await waitForRows(browser, (ids) => ids[0] === 42 && ids[1] === 41, "the events are back");
    await browser.waitUntil(async () => !(await browser.$(".silenced-count").isExisting()), WAIT);
    const listed = eventdeskCli("silence", "list", "--db", ws.db)
      .trim()
      .split("\n")
      .map(JSON.parse);
    assert.deepEqual(
      listed.map((s) => [s.id, s.state, s.comment]),
      [[1, "expired", "disk swap on db-7"]],
    );
  });
});

test("29. snooze: from the detail pane the event leaves the table and is counted, the Snoozed view shows it alone, Wake brings it back; a snooze another program makes for seconds ends by itself and the timeline says so", async () => {
  const ws = workspace("snooze");
  eventdeskCli("seed", "--db", ws.db, "--events", "30", "--seed", "29");
  const open = dbEvents(ws.db)
    .filter((e) => e.status !== "completed")
    .map((e) => e.id)
    .sort((a, b) => b - a);
  const [first, second] = open;
  assert.ok(first && second, "the seed left two events open");
  await withApp("snooze", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser, (ids) => ids[0] === 30);
    await browser.$(`tr[data-event-id="${first}"] button.link`).click();
    const pane = await browser.$(`aside[aria-labelledby="detail-heading"]`);
    await waitForText(browser, "#detail-heading", `Event #${first}`);
    await pane.$("aria/Snooze for").selectByAttribute("value", "60");
    const sent = Date.now();
    await pane.$("button=Snooze").click();
    await waitForRows(browser, (ids) => !ids.includes(first), "the snoozed event did not leave");
    await waitForText(browser, ".snoozed-count", "1 snoozed");
    const until = dbEvent(ws.db, first).event.snoozedUntil;
    assert.ok(until >= sent + 3_600_000 && until <= Date.now() + 3_600_000, `until ${until}`);
    await waitForText(browser, ".detail .snoozed-until", /^Snoozed until /);

    // The Snoozed view shows it alone, marked.
    await browser.$("aria/Snoozed").selectByAttribute("value", "only");
    await waitForRows(browser, (ids) => ids.join() === String(first), "the Snoozed view");
    await waitForText(browser, `tr[data-event-id="${first}"] .snoozed-until`, /^snoozed until /);
    await browser.$("aria/Snoozed").selectByAttribute("value", "hide");
    await waitForRows(browser, (ids) => !ids.includes(first), "hidden again");

    // Woken: back, and the timeline says who snoozed and woke it.
    await pane.$("button=Wake").click();
    await waitForRows(browser, (ids) => ids.includes(first), "the woken event did not return");
    await browser.waitUntil(async () => !(await browser.$(".snoozed-count").isExisting()), WAIT);
    await waitForText(browser, ".timeline li:last-child", /you woke it$/);

    // Another program snoozes the next one for a few seconds: it leaves, then comes back by
    // itself (nothing is written then), and its timeline says when.
    const back = Date.now() + 6_000;
    eventdeskCli("snooze", "--db", ws.db, "--id", String(second), "--until", String(back));
    await waitForRows(browser, (ids) => !ids.includes(second), "the other program's snooze");
    await waitForRows(browser, (ids) => ids.includes(second), "the snooze did not end");
    assert.ok(Date.now() >= back, "the event came back before its time");
    await browser.$(`tr[data-event-id="${second}"] button.link`).click();
    await waitForText(browser, "#detail-heading", `Event #${second}`);
    await waitForText(browser, ".timeline .came-back", /came back from its snooze$/);
  });
});

test("30. timers: set in Settings, an acknowledgement timeout reopens yesterday's acknowledged events of that severity (the timeline says why), and expiry completes the idle rest as Expired", async () => {
  const ws = workspace("timers");
  eventdeskCli("seed", "--db", ws.db, "--events", "40", "--seed", "30", "--hours-ago", "24");
  const seeded = dbEvents(ws.db);
  const acked = seeded.filter((e) => e.status === "acknowledged");
  const bySeverity = new Map();
  for (const e of acked) bySeverity.set(e.severity, (bySeverity.get(e.severity) ?? 0) + 1);
  const [severity] = [...bySeverity].sort((a, b) => b[1] - a[1])[0] ?? [];
  assert.ok(severity, "the seed left events acknowledged");
  const timedOut = acked.filter((e) => e.severity === severity).map((e) => e.id);
  const others = seeded.filter((e) => e.status !== "completed" && !timedOut.includes(e.id));
  assert.ok(others.length > 0, "the seed left other events unfinished");
  const now = (ids) => dbEvents(ws.db).filter((e) => ids.includes(e.id));
  await withApp("timers", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser, (ids) => ids[0] === 40);
    await browser.$("button=Settings").click();
    await browser.$(`aria/${severity} events`).selectByAttribute("value", "5");
    await browser.waitUntil(
      () => now(timedOut).every((e) => e.status === "open" && e.updatedBy === "timer:ack-timeout"),
      { ...WAIT, timeoutMsg: `the ${severity} acknowledgements did not time out` },
    );
    assert.deepEqual(
      now(others.map((e) => e.id)).map((e) => e.status),
      others.map((e) => e.status),
      "a timer changed events it does not apply to",
    );
    const reopened = Math.max(...timedOut);
    await waitForText(browser, `tr[data-event-id="${reopened}"] [data-status]`, /^Open/);
    await closePanels(browser);
    await browser.$(`tr[data-event-id="${reopened}"] button.link`).click();
    await waitForText(browser, "#detail-heading", `Event #${reopened}`);
    await waitForText(
      browser,
      ".timeline li:last-child",
      /acknowledgement timeout reopened it: not completed in time$/,
    );

    // Expiry after 4 hours: what had no change since yesterday completes itself; what the
    // timeout just reopened has changed since, and stays open.
    await browser.$("button=Settings").click();
    await browser.$("aria/Complete events unchanged for").selectByAttribute("value", "4");
    const idle = others.map((e) => e.id);
    await browser.waitUntil(
      () => now(idle).every((e) => e.status === "completed" && e.completedBy === "timer:expiry"),
      { ...WAIT, timeoutMsg: "the idle events did not expire" },
    );
    assert.ok(now(timedOut).every((e) => e.status === "open"));
    await waitForText(
      browser,
      `tr[data-event-id="${Math.max(...idle)}"] [data-status]`,
      /^Expired/,
    );
  });
});

test("31. senders: a heartbeat is heard, never shown; when it stops for twice its interval the desk raises a critical event of its own and the Sources panel says since when; a beat again completes it", async () => {
  const ws = workspace("senders");
  const beat = `${JSON.stringify({
    version: "4",
    status: "firing",
    receiver: "eventdesk",
    alerts: [
      {
        status: "firing",
        fingerprint: "watchdog",
        labels: { alertname: "Watchdog", severity: "none" },
        annotations: { summary: "The alerting pipeline works" },
      },
    ],
  })}\n`;
  const state = 'tr[data-sender="stdin/Watchdog"] .sender-state';
  await withApp("senders", ws, SIM_OFF, async (browser) => {
    await browser.$("button=Sources").click();
    await waitForText(browser, ".senders", /No sender heard yet/);
    // Three beats about two seconds apart (the time passing is the test): its rhythm.
    let next = Date.now();
    for (let i = 0; i < 3; i++) {
      await browser.waitUntil(() => Date.now() >= next, WAIT);
      eventdeskCliWithInput(beat, "ingest", "--db", ws.db, "--format", "alertmanager");
      next = Date.now() + 2_000;
    }
    await waitForText(browser, state, "heartbeat");
    assert.equal(dbStats(ws.db).events, 0, "a heartbeat became an event");

    // It stops: the desk raises its own event, critical, and the panel says since when.
    await waitForRows(browser, (ids) => ids.length === 1, "the lost heartbeat's event");
    await waitForText(browser, state, /^silent since /);
    const [alarm] = dbEvents(ws.db);
    assert.deepEqual(
      [alarm.severity, alarm.kind, alarm.updatedBy],
      ["critical", "heartbeat-lost", "timer:senders"],
    );
    assert.match(alarm.title, /^Heartbeat lost: Watchdog \(stdin\), usually every 2 s$/);

    // It beats again: the event completes, by the sender watch.
    eventdeskCliWithInput(beat, "ingest", "--db", ws.db, "--format", "alertmanager");
    await browser.waitUntil(() => dbEvent(ws.db, alarm.id).event.status === "completed", WAIT);
    await waitForText(browser, state, "heartbeat");
    await waitForText(
      browser,
      `tr[data-event-id="${alarm.id}"] [data-status]`,
      /^Completed by sender watch/,
    );
  });
});

test("32. handover: on a desk's first start nothing opens; what another program changes is summed up in Handover, each event a link to it; Mark as read empties it", async () => {
  const ws = workspace("handover");
  eventdeskCli("seed", "--db", ws.db, "--events", "20", "--seed", "32");
  await withApp("handover", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser, (ids) => ids[0] === 20);
    assert.ok(!(await browser.$("aria/Since you left").isExisting()), "the summary opened");
    await browser.waitUntil(() => dbSetting(ws.db, "handover_seen") !== undefined, WAIT);
    // Another program: an alert, and a completion.
    const alert = `${JSON.stringify(alertmanagerMessage("firing", "e2e-handover"))}\n`;
    eventdeskCliWithInput(alert, "ingest", "--db", ws.db);
    await waitForRows(browser, (ids) => ids[0] === 21, "the alert did not arrive");
    await browser.$("button=Handover").click();
    const created = '.handover [data-line="created"]';
    await waitForText(browser, `${created} p`, "1 new event (1 critical)");
    await browser.$(`${created} button.link`).click();
    await waitForText(browser, "#detail-heading", "Event #21");
    const summary = JSON.parse(eventdeskCli("handover", "--db", ws.db, "--hours", "1"));
    assert.equal(summary.created.events[0].id, 21);

    await browser.$(".handover").$("button=Mark as read").click();
    await waitForText(browser, ".handover .hint", /^Nothing changed since /);
  });
});
