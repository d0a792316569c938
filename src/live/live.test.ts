import { describe, expect, it } from "vitest";
import { MAX_HELD, applyChangeSet, hold, noneHeld, pageCount, replaceRow } from "./live";
import type { ChangeSet, Page } from "../bindings";
import { makeEvent } from "../test/fakeBackend";

function page(n: number, ids: number[], seq: number, pageSize = 3): Page {
  return {
    rows: ids.map((id) => makeEvent(id)),
    page: n,
    pageSize,
    total: 10,
    totalExact: true,
    seq,
    silencing: false,
    silenced: 0,
    silencedBy: [],
    snoozed: 0,
    nextWake: null,
    next: null,
    prev: null,
  };
}

function set(from: number, to: number, over: Partial<ChangeSet> = {}): ChangeSet {
  return {
    fromSeq: from,
    toSeq: to,
    rows: [],
    created: [],
    critical: [],
    total: 10,
    tally: { unfinished: 10, critical: 0 },
    reload: false,
    ...over,
  };
}

describe("applyChangeSet", () => {
  it("replaces a changed row in place and advances seq", () => {
    const changed = makeEvent(9, { status: "acknowledged", version: 2 });
    const r = applyChangeSet(page(1, [10, 9, 8], 5), set(6, 6, { rows: [changed] }));
    expect(r.kind).toBe("applied");
    if (r.kind !== "applied") return;
    expect(r.page.rows.map((e) => e.id)).toEqual([10, 9, 8]);
    expect(r.page.rows[1]).toEqual(changed);
    expect(r.page.seq).toBe(6);
  });

  it("puts new events on top of page 1 and keeps the page size", () => {
    const rows = [makeEvent(12), makeEvent(11)];
    const r = applyChangeSet(
      page(1, [10, 9, 8], 5),
      set(6, 7, { rows, created: [12, 11], total: 12 }),
    );
    if (r.kind !== "applied") throw new Error(r.kind);
    expect(r.page.rows.map((e) => e.id)).toEqual([12, 11, 10]);
    // The rows pushed off now come next.
    expect(r.page.next).toEqual({ at: "after", value: 10, id: 10 });
    expect(r.page.total).toBe(12);
    expect(r.newEvents).toBe(0);
  });

  it("keeps later pages still and counts new events", () => {
    const later = { ...page(2, [7, 6, 5], 5), prev: { at: "before" as const, value: 7, id: 7 } };
    const r = applyChangeSet(later, set(6, 6, { rows: [makeEvent(11)], created: [11], total: 11 }));
    if (r.kind !== "applied") throw new Error(r.kind);
    expect(r.page.rows.map((e) => e.id)).toEqual([7, 6, 5]);
    expect(r.newEvents).toBe(1);
  });

  it("ignores sets the page already reflects and never downgrades a row", () => {
    expect(applyChangeSet(page(1, [3], 9), set(4, 9)).kind).toBe("stale");
    const newer = page(1, [3], 9);
    newer.rows[0] = makeEvent(3, { version: 5 });
    const r = applyChangeSet(newer, set(10, 10, { rows: [makeEvent(3, { version: 4 })] }));
    if (r.kind !== "applied") throw new Error(r.kind);
    expect(r.page.rows[0]?.version).toBe(5);
  });

  it("treats a set without its rows as a gap", () => {
    expect(applyChangeSet(page(1, [3, 2, 1], 5), set(6, 9, { reload: true })).kind).toBe("gap");
    expect(applyChangeSet(page(1, [3, 2, 1], 9), set(6, 9, { reload: true })).kind).toBe("stale");
  });

  it("reports a gap when changes are missing", () => {
    expect(applyChangeSet(page(1, [3], 9), set(11, 12)).kind).toBe("gap");
  });
});

describe("replaceRow and pageCount", () => {
  it("replaces only with a newer version", () => {
    const p = page(1, [3, 2], 4);
    expect(replaceRow(p, makeEvent(2, { version: 2, status: "completed" })).rows[1]?.status).toBe(
      "completed",
    );
    expect(replaceRow(p, makeEvent(2, { version: 1, status: "completed" }))).toBe(p);
  });

  it("counts at least one page", () => {
    expect([pageCount(0, 50), pageCount(50, 50), pageCount(51, 50), pageCount(1000, 25)]).toEqual([
      1, 1, 2, 40,
    ]);
  });
});

describe("hold", () => {
  it("keeps what is held while paused, and only its count past the bound", () => {
    let held = noneHeld;
    for (let i = 1; i <= MAX_HELD; i++) held = hold(held, set(2 * i - 1, 2 * i));
    expect(held.sets).toHaveLength(MAX_HELD);
    expect(held.overflow).toBe(false);
    expect(held.changes).toBe(2 * MAX_HELD);
    held = hold(held, set(2 * MAX_HELD + 1, 2 * MAX_HELD + 3));
    expect(held.sets).toHaveLength(0);
    expect(held.overflow).toBe(true);
    expect(held.changes).toBe(2 * MAX_HELD + 3);
    held = hold(held, set(2 * MAX_HELD + 4, 2 * MAX_HELD + 4));
    expect(held).toEqual({ sets: [], changes: 2 * MAX_HELD + 4, overflow: true });
  });
});
