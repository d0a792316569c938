// End-to-end scenarios (see e2e/run.sh): the real app in a real window (WebKitWebDriver under
// Xvfb; on the Windows forge job, Microsoft Edge WebDriver), driven through the DOM by
// accessible names and roles. Each scenario has its own database and app folders.
//
// The desk's own sources in a real window: a RabbitMQ stream from the Sources panel (with
// Alertmanager's resolved) and the loopback HTTP endpoint.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  dbEvent,
  dbStats,
  eventdeskCli,
  freePort,
  settleWorkspaces,
  withApp,
  workspace,
} from "./harness.mjs";
import {
  SIM_OFF,
  WAIT,
  alertmanagerMessage,
  brokerUrl,
  cliAs,
  closePanels,
  dbSetting,
  documentWasNotReloaded,
  markDocument,
  publish,
  row,
  text,
  waitForRows,
  waitForText,
  watchRows,
} from "./steps.mjs";

// A passed scenario's folders go; a failed one's stay, with its artifacts, for a look.
afterEach((t) => settleWorkspaces(t.passed));

test("21. a RabbitMQ stream read from the Sources panel: its alert appears within 1 s, shows its labels and filters the table by one, and Alertmanager's resolved completes the row, which says who", async () => {
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
    // Its labels, one of which filters the table: the seeded events carry other labels.
    await browser.$("section.labels").waitForExist(WAIT);
    assert.deepEqual(
      await browser.execute(() =>
        [...document.querySelectorAll("section.labels button")].map((b) => b.textContent),
      ),
      ["alertname=DiskFull", "instance=db-7:9100", "severity=critical"],
    );
    await browser.$("aria/Show only events with instance=db-7:9100").click();
    await waitForRows(browser, (ids) => ids.length === 1 && ids[0] === 21, "the label's view");
    assert.equal(
      await browser.execute(() => window.location.search),
      "?label=instance%3Ddb-7%3A9100",
    );
    await browser.$("aria/Remove label instance=db-7:9100").click();
    await waitForRows(browser, (ids) => ids.length === 21, "every event again");
  });
  // The queue is remembered (its URL in the session's secrets only): a restart reads it again.
  assert.ok(dbSetting(ws.db, "sources").queues.some((q) => q.queue === queue));
});

test("22. the loopback HTTP endpoint: a PagerDuty trigger appears at once and again marks a repeat; a wrong token writes nothing; a repeated mistake is one reason counted; another route's resolve with its key is ignored until the Sources panel joins them", async () => {
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
      // The same mistake twice is one reason counted twice, kept in the file.
      for (let i = 0; i < 2; i++) {
        const refused = await fetch(`http://127.0.0.1:${port}/v2/enqueue`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: "not json",
        });
        assert.equal(refused.status, 400);
      }
      await waitForText(
        browser,
        '[data-source="http"] .rejections summary',
        "Rejected lately: 2 messages, 1 reason",
      );
      const kept = eventdeskCli("rejections", "--db", ws.db).trim().split("\n").map(JSON.parse);
      assert.deepEqual(
        kept.map((r) => [r.source, r.count]),
        [["pagerduty", 2]],
      );
      // Alertmanager's route using the same key is another sender: its resolve is ignored...
      const resolved = alertmanagerMessage("resolved", "checkout/latency");
      const webhook = () =>
        fetch(`http://127.0.0.1:${port}/alertmanager`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify(resolved),
        });
      assert.equal((await webhook()).status, 202);
      await waitForText(browser, '[data-source="http"] .source-counts', /^3 applied.* 1 ignored/);
      assert.equal(dbEvent(ws.db, 11).event.status, "open");
      // ...until the Sources panel joins the two.
      await browser.$('[data-source="dedup"] textarea').setValue("pagerduty, alertmanager");
      await browser.$("aria/Save groups").click();
      await waitForText(
        browser,
        '[data-source="dedup"] .source-state',
        "Shared within each group: pagerduty + alertmanager.",
      );
      assert.deepEqual(dbSetting(ws.db, "dedup_groups"), {
        groups: [["pagerduty", "alertmanager"]],
      });
      assert.equal((await webhook()).status, 202);
      await browser.waitUntil(
        async () =>
          (
            await browser.execute(
              () =>
                document.querySelector('tr[data-event-id="11"] [data-status]')?.textContent ?? "",
            )
          ).startsWith("Completed by alertmanager"),
        { ...WAIT, timeoutMsg: "the joined source's resolve did not complete the row" },
      );
    },
  );
});
