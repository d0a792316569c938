// End-to-end scenarios (see e2e/run.sh): the real app in a real window (WebKitWebDriver under
// Xvfb; on the Windows forge job, Microsoft Edge WebDriver), driven through the DOM by
// accessible names and roles. Each scenario has its own database and app folders.
//
// Triage in a real window: notes, claim and assign.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { dbEvent, eventdeskCli, settleWorkspaces, withApp, workspace } from "./harness.mjs";
import { SIM_OFF, WAIT, openEvent, waitForRows, waitForText } from "./steps.mjs";

// A passed scenario's folders go; a failed one's stay, with its artifacts, for a look.
afterEach((t) => settleWorkspaces(t.passed));

test("33. notes: one typed in the detail pane is in the timeline and the file, another program's note shows live, and search finds events by their notes", async () => {
  const ws = workspace("notes");
  eventdeskCli("seed", "--db", ws.db, "--events", "30", "--seed", "33");
  await withApp("notes", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser, (ids) => ids[0] === 30);
    await openEvent(browser, 28);
    const box = await browser.$("aria/New note");
    await box.setValue("Swapped the RAID controller on db-7");
    await browser.keys(["Control", "Enter"]);
    await waitForText(
      browser,
      '.timeline li[data-field="note"] .note-text',
      "Swapped the RAID controller on db-7",
    );
    await browser.waitUntil(async () => (await box.getValue()) === "", {
      ...WAIT,
      timeoutMsg: "the note box did not empty",
    });
    const history = dbEvent(ws.db, 28).history;
    const note = history.at(-1);
    assert.deepEqual(
      [note.field, note.actor, note.to],
      ["note", "user", "Swapped the RAID controller on db-7"],
    );

    // Another operator's note, written by another program, shows in the open pane.
    eventdeskCli(
      "note",
      "--db",
      ws.db,
      "--id",
      "28",
      "--text",
      "Controller firmware 4.2 too",
      "--as",
      "bob",
    );
    await waitForText(
      browser,
      '.timeline li[data-field="note"]:last-of-type .note-text',
      "Controller firmware 4.2 too",
    );
    await waitForText(browser, '.timeline li[data-field="note"]:last-of-type strong', /bob/);

    // Search finds the event by a word only its notes hold.
    await browser.$("aria/Search events").setValue("firmware");
    await waitForRows(browser, (ids) => ids.join() === "28", "search did not find the note");
    await browser.$("aria/Search events").setValue("controller swapped");
    await waitForRows(browser, (ids) => ids.join() === "28", "search across notes");
  });
});

test("34. claim and assign: Take in the detail pane makes the event yours, Mine and Unassigned show what they say, another program's assignment shows live, Release gives it back", async () => {
  const ws = workspace("assign");
  eventdeskCli("seed", "--db", ws.db, "--events", "30", "--seed", "34");
  await withApp("assign", ws, SIM_OFF, async (browser) => {
    await waitForRows(browser, (ids) => ids[0] === 30);
    await openEvent(browser, 29);
    await browser.$(".detail .assign").$("button=Take").click();
    await waitForText(browser, ".detail .assignee", "Yours");
    await waitForText(browser, 'tr[data-event-id="29"] .assignee-mark', "you");
    assert.equal(dbEvent(ws.db, 29).event.assignee, "user");

    // Another program gives event 27 to bob: its row says so at once.
    eventdeskCli("assign", "--db", ws.db, "--id", "27", "--to", "bob");
    await waitForText(browser, 'tr[data-event-id="27"] .assignee-mark', "bob");

    await browser.$("aria/Assigned").selectByAttribute("value", "mine");
    await waitForRows(browser, (ids) => ids.join() === "29", "the Mine view");
    await browser.$("aria/Assigned").selectByAttribute("value", "none");
    await waitForRows(
      browser,
      (ids) => ids.length > 0 && !ids.includes(29) && !ids.includes(27),
      "the Unassigned view",
    );
    await browser.$("aria/Assigned").selectByAttribute("value", "any");
    await waitForRows(browser, (ids) => ids[0] === 30);

    // Released: nobody's again, and the timeline says who did what.
    await browser.$(".detail .assign").$("button=Release").click();
    await waitForText(browser, ".detail .assignee", "Unassigned");
    await waitForText(browser, ".timeline li:last-child", /you released it$/);
    assert.equal(dbEvent(ws.db, 29).event.assignee, null);
  });
});
