// End-to-end scenarios (see e2e/run.sh): the real app in a real window (WebKitWebDriver under
// Xvfb; on the Windows forge job, Microsoft Edge WebDriver), driven through the DOM by
// accessible names and roles. Each scenario has its own database and app folders.
//
// Noise control in a real window: silences.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import {
  dbStats,
  eventdeskCli,
  eventdeskCliWithInput,
  settleWorkspaces,
  withApp,
  workspace,
} from "./harness.mjs";
import { SIM_OFF, WAIT, alertmanagerMessage, rowIds, waitForRows, waitForText } from "./steps.mjs";

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
