// What the end-to-end scenarios share: waits on the window's DOM, reads of the database through
// `eventdesk-cli`, messages for the broker and the endpoint, and the window's geometry.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cli, dbEvent, eventdeskCli } from "./harness.mjs";

export const WAIT = { timeout: 20_000, interval: 100 };

export const SIM_OFF = { EVENTDESK_SIM: "off" };

/** Every event in the database (`eventdesk-cli dump`: a plain read of the table). */
export function dbEvents(db) {
  return eventdeskCli("dump", "--db", db)
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** A saved setting, read from the database's settings table through `eventdesk-cli`. */
export function dbSetting(db, key) {
  const line = eventdeskCli("settings", "--db", db)
    .split("\n")
    .find((l) => l.startsWith(`${key}\t`));
  return line ? JSON.parse(line.slice(key.length + 1)) : undefined;
}

/** The search rule for one word, written plainly: some word of the title, kind or source starts with it. */
export function searchMatches(e, word) {
  const tokens = (text) =>
    text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean);
  return [e.title, e.kind, e.source].some((t) => tokens(t).some((w) => w.startsWith(word)));
}

/** The ids of the rows on screen, top to bottom. */
export async function rowIds(browser) {
  return browser.execute(() =>
    Array.from(document.querySelectorAll("tbody tr[data-event-id]")).map((tr) =>
      Number(tr.getAttribute("data-event-id")),
    ),
  );
}

export async function waitForRows(browser, predicate = (ids) => ids.length > 0, message = "rows") {
  let last = [];
  await browser.waitUntil(async () => predicate((last = await rowIds(browser))), {
    ...WAIT,
    timeoutMsg: `${message}; rows on screen: ${JSON.stringify(last.slice(0, 10))}`,
  });
  return last;
}

export async function text(browser, selector) {
  return (await browser.$(selector)).getText();
}

export async function waitForText(browser, selector, expected) {
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
export async function closePanels(browser) {
  await browser.$("button[aria-label='Close panels']").click();
  await browser.waitUntil(async () => !(await browser.$("aside.drawer").isExisting()), {
    ...WAIT,
    timeoutMsg: "the drawer stayed open",
  });
}

/** Marks the document so that a reload (which would drop the mark) can be detected. */
export async function markDocument(browser) {
  await browser.execute(() => {
    window.__eventdeskMark = "still here";
  });
}

export async function documentWasNotReloaded(browser) {
  assert.equal(
    await browser.execute(() => window.__eventdeskMark),
    "still here",
    "the page was reloaded",
  );
}

export function row(browser, id) {
  return browser.$(`tr[data-event-id="${id}"]`);
}

/**
 * Opens event `id`'s detail pane from its row and waits for it. A push may re-render the row
 * between finding its link and clicking it (a stale element): the click is tried again.
 */
export async function openEvent(browser, id) {
  await browser.waitUntil(
    async () => {
      try {
        await browser.$(`tr[data-event-id="${id}"] button.link`).click();
        return (await browser.$("#detail-heading").getText()) === `Event #${id}`;
      } catch {
        return false;
      }
    },
    { ...WAIT, timeoutMsg: `the detail pane of event #${id} did not open` },
  );
}

/** The notices on screen that are about event `id`, with their text. */
export async function noticesAbout(browser, id) {
  return browser.execute(
    (id) =>
      Array.from(document.querySelectorAll(".notice"))
        .map((n) => n.textContent)
        .filter((t) => t.includes(`Event #${id} `)),
    id,
  );
}

/** Dismisses the notices about event `id`. */
export async function dismissNoticesAbout(browser, id) {
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
export async function completeRow(browser, db, id) {
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

/** The "Open" status checkbox of the filter bar. */
export function openFilter(browser) {
  return browser.$('form[aria-label="Filter events"]').$("aria/Open");
}

/** The test broker's URL as guest, with its password (scripts/test.sh starts a private RabbitMQ
 * node and sets it): what an operator types into the Sources panel. */
export function brokerUrl() {
  const url = process.env.EVENTDESK_TEST_AMQP;
  assert.ok(
    url,
    "EVENTDESK_TEST_AMQP is not set: run through scripts/test.sh, or start a node with scripts/rabbitmq.sh",
  );
  return url;
}

/** The environment that makes the command-line tool (or a team desk) log in to the test broker
 * as `user` (scripts/rabbitmq.sh makes each user's password its name): never on a command line. */
export function asUser(user) {
  const host = brokerUrl().split("@")[1];
  return { EVENTDESK_AMQP_URL: `amqp://${user}@${host}`, EVENTDESK_AMQP_PASSWORD: user };
}

/** `eventdesk-cli` logged in to the test broker as `user`. */
export function cliAs(user, ...args) {
  return execFileSync(cli, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...asUser(user) },
  });
}

/** Publishes each message (an object) to `queue` through `eventdesk-cli publish`, as guest. */
export function publish(queue, ...messages) {
  return execFileSync(cli, ["publish", "--queue", queue], {
    input: messages.map((m) => JSON.stringify(m)).join("\n"),
    encoding: "utf8",
    env: { ...process.env, ...asUser("guest") },
  });
}

export function alertmanagerMessage(status, fingerprint) {
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
export async function watchRows(browser) {
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

/** A PagerDuty trigger with key `key`. */
export function pagerdutyTrigger(key, summary) {
  return {
    event_action: "trigger",
    dedup_key: key,
    payload: { summary, source: "db-7", severity: "error" },
  };
}

/**
 * Sizes the window's content to width × height and waits until the page sees it. The window's
 * own size includes its frame and title bar where the system draws them (Windows; not Xvfb):
 * what the page lacks after the first try is added in a second.
 */
export async function resizeTo({ browser, window: frame }, width, height) {
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
export async function tableGeometry(browser) {
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
