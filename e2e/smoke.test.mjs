// The installer smoke check: the .deb's own binary, unpacked (not installed), opens its
// window on a temp database and shows rows. Run by e2e/smoke.sh, which unpacks the package
// and points EVENTDESK_E2E_APP at the unpacked binary.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { app, eventdeskCli, settleWorkspaces, withApp, workspace } from "./harness.mjs";

afterEach((t) => settleWorkspaces(t.passed));

const unpacked = process.env.EVENTDESK_UNPACKED;

test("the unpacked .deb holds the program, its menu entry and icons", () => {
  assert.ok(unpacked, "EVENTDESK_UNPACKED is set by e2e/smoke.sh");
  assert.equal(app, join(unpacked, "usr/bin/eventdesk"));
  for (const file of [
    "usr/bin/eventdesk",
    "usr/share/applications/Eventdesk.desktop",
    "usr/share/icons/hicolor/128x128/apps/eventdesk.png",
  ]) {
    assert.ok(existsSync(join(unpacked, file)), `${file} is in the package`);
  }
});

test("the unpacked .deb's binary opens its window on a temp database and shows rows", async () => {
  const ws = workspace("deb");
  eventdeskCli("seed", "--db", ws.db, "--events", "200", "--seed", "11");
  await withApp("deb", ws, { EVENTDESK_SIM: "off" }, async (browser) => {
    await browser.waitUntil(
      async () =>
        (await browser.execute(
          () => document.querySelectorAll("tbody tr[data-event-id]").length,
        )) === 50,
      { timeout: 20_000, interval: 100, timeoutMsg: "no rows in the window" },
    );
    assert.equal(await browser.getTitle(), "Eventdesk");
    assert.equal(await browser.$(".total").getText(), "200 events");
  });
});
