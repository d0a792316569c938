// End-to-end scenarios (see e2e/run.sh): the real app in a real window (WebKitWebDriver under
// Xvfb; on the Windows forge job, Microsoft Edge WebDriver), driven through the DOM by
// accessible names and roles. Each scenario has its own database and app folders.
//
// A team desk in a real window: another desk's actions, the Team panel, this desk's actions
// through the stream.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { cli, dbEvent, eventdeskCli, settleWorkspaces, withApp, workspace } from "./harness.mjs";
import {
  SIM_OFF,
  WAIT,
  asUser,
  cliAs,
  closePanels,
  documentWasNotReloaded,
  markDocument,
  openEvent,
  pagerdutyTrigger,
  publish,
  row,
  waitForRows,
  waitForText,
} from "./steps.mjs";

// A passed scenario's folders go; a failed one's stay, with its artifacts, for a look.
afterEach((t) => settleWorkspaces(t.passed));

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

test("28. a team's silences and snoozes: another desk's silence hides and counts the events it mutes; this desk's silence, its expiry and a snooze go through the stream; every desk ends with the same silences and snoozes", async () => {
  const ws = workspace("team-silences");
  const stream = `e2e-team-silences-${process.pid}`;
  const teamRef = cliAs("alice", "create-team", "--stream", stream).trim();
  cliAs("alice", "roster", "--stream", stream, "--set", "bob=operator:Bob B.");
  publish(
    stream,
    pagerdutyTrigger("s0", "Replica lag on db-7"),
    pagerdutyTrigger("s1", "Disk filling on db-8"),
    pagerdutyTrigger("s2", "Disk full on db-9"),
  );
  const team = { EVENTDESK_TEAM: teamRef, ...asUser("alice"), EVENTDESK_DESK: "desk-e2e" };
  await withApp("team-silences", ws, { ...SIM_OFF, ...team }, async (browser) => {
    await waitForRows(browser, (ids) => ids.length === 3, "the team's events did not arrive");
    // Bob, at another desk, silences the disk events for half an hour.
    cliAs(
      "bob",
      "silence",
      "add",
      "--stream",
      stream,
      "--desk",
      "desk-b",
      "--match",
      '{title=~"Disk.*"}',
      "--minutes",
      "30",
      "--comment",
      "disk swap",
    );
    await waitForRows(browser, (ids) => ids.join() === "1", "bob's silence did not mute them");
    await waitForText(browser, ".silenced-count", "2 silenced");
    await browser.$("aria/Silences").click();
    await waitForText(
      browser,
      '.silence-list li[data-silence="1"] .silence-meta',
      /Bob B\. \(bob\): disk swap/,
    );
    // Alice silences the last one from the window: through the stream, as alice.
    const form = await browser.$("aria/New silence");
    await form.$("textarea").setValue('{title="Replica lag on db-7"}');
    await waitForText(browser, ".silence-preview", "Matches 1 open events now");
    await form.$("aria/Why").setValue("failover drill");
    await form.$("button[type=submit]").click();
    await waitForRows(browser, (ids) => ids.length === 0, "alice's silence did not mute it");
    await waitForText(browser, ".silenced-count", "3 silenced");
    await waitForText(
      browser,
      '.silence-list li[data-silence="2"] .silence-meta',
      /alice: failover/,
    );
    // She ends Bob's early: the disk events are back.
    await browser.$('.silence-list li[data-silence="1"]').$("aria/Expire").click();
    await waitForRows(browser, (ids) => ids.join() === "3,2", "the disk events did not return");
    await waitForText(browser, ".silenced-count", "1 silenced");
    // She snoozes a disk event from its detail pane: through the stream as well.
    await closePanels(browser);
    await browser.$('tr[data-event-id="3"] button.link').click();
    await waitForText(browser, "#detail-heading", "Event #3");
    await browser.$("aside.detail").$("button=Snooze").click();
    await waitForRows(browser, (ids) => ids.join() === "2", "alice's snooze did not hide it");
    await waitForText(browser, ".snoozed-count", "1 snoozed");
  });
  const windowDesk = eventdeskCli("dump", "--team", "--db", ws.db);
  const other = join(ws.dir, "other-desk.db");
  for (let run = 0; run < 3; run++) {
    cliAs("guest", "replicate", "--db", other, "--team", teamRef, "--until-idle", "2");
    if (eventdeskCli("dump", "--team", "--db", other) === windowDesk) break;
  }
  assert.equal(eventdeskCli("dump", "--team", "--db", other), windowDesk);
  const versions = windowDesk
    .trim()
    .split("\n")
    .map(JSON.parse)
    .filter((l) => l.silence)
    .map(({ silence: s }) => [s.id, s.version, s.author, s.comment]);
  assert.deepEqual(versions, [
    [undefined, 1, "operator:bob", "disk swap"],
    [undefined, 2, "operator:alice", "disk swap"],
    [undefined, 1, "operator:alice", "failover drill"],
  ]);
  assert.match(windowDesk, /"action":"snooze".*"operator":"alice","outcome":"done"/);
  assert.match(windowDesk, /"snoozedUntil":\d+/);
});

test("35. a team's notes and claims: this desk takes an event and leaves a note through the stream, another desk's claim shows with its operator's name, and every desk ends the same", async () => {
  const ws = workspace("team-triage");
  const stream = `e2e-team-triage-${process.pid}`;
  const teamRef = cliAs("alice", "create-team", "--stream", stream).trim();
  cliAs("alice", "roster", "--stream", stream, "--set", "bob=operator:Bob B.");
  publish(
    stream,
    pagerdutyTrigger("t0", "Replica lag on db-7"),
    pagerdutyTrigger("t1", "Disk full on db-9"),
  );
  const team = { EVENTDESK_TEAM: teamRef, ...asUser("alice"), EVENTDESK_DESK: "desk-e2e" };
  await withApp("team-triage", ws, { ...SIM_OFF, ...team }, async (browser) => {
    await waitForRows(browser, (ids) => ids.length === 2, "the team's events did not arrive");
    // Alice takes event 2 and leaves a note on it: both go through the stream, as alice.
    await openEvent(browser, 2);
    await browser.$(".detail .assign").$("button=Take").click();
    await waitForText(browser, ".detail .assignee", "Yours");
    await browser.$("aria/New note").setValue("Swapping the disk now");
    await browser.$("button=Add note").click();
    await waitForText(
      browser,
      '.timeline li[data-field="note"] .note-text',
      "Swapping the disk now",
    );
    // Bob, at another desk, claims event 1 (the version he saw): the row says so.
    const key = dbEvent(ws.db, 1).event.teamKey;
    cliAs(
      "bob",
      "assign",
      "--stream",
      stream,
      "--desk",
      "desk-b",
      "--event",
      key,
      "--expected-version",
      "1",
      "--me",
    );
    await waitForText(browser, 'tr[data-event-id="1"] .assignee-mark', "Bob B.");
    await browser.$("aria/Assigned").selectByAttribute("value", "mine");
    await waitForRows(browser, (ids) => ids.join() === "2", "alice's Mine view");
  });
  const windowDesk = eventdeskCli("dump", "--team", "--db", ws.db);
  const other = join(ws.dir, "other-desk.db");
  for (let run = 0; run < 3; run++) {
    cliAs("guest", "replicate", "--db", other, "--team", teamRef, "--until-idle", "2");
    if (eventdeskCli("dump", "--team", "--db", other) === windowDesk) break;
  }
  assert.equal(eventdeskCli("dump", "--team", "--db", other), windowDesk);
  assert.match(windowDesk, /"assignee":"operator:alice"/);
  assert.match(windowDesk, /"assignee":"operator:bob"/);
  assert.match(windowDesk, /"notes":"Swapping the disk now"/);
});
