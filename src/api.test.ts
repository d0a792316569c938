import { describe, expect, it } from "vitest";
import { describeError } from "./api";

describe("describeError", () => {
  it("says since when a team desk is offline and that the action was not sent", () => {
    const since = Date.UTC(2026, 10, 26, 9, 30);
    const text = describeError({ type: "Offline", data: { since, message: "connection refused" } });
    expect(text).toMatch(/^Offline since /);
    expect(text).toContain("connection refused");
    expect(text).toContain("The action was not sent");
  });

  it("names who changed an event first in a conflict", () => {
    const current = {
      id: 7,
      kind: "k",
      source: "s",
      severity: "error",
      title: "t",
      status: "completed",
      createdAt: 0,
      updatedAt: 1_000,
      updatedBy: "operator:bob",
      completedAt: 1_000,
      completedBy: "operator:bob",
      reopenedAt: null,
      reopenedBy: null,
      version: 2,
      dedupKey: null,
      occurrences: 1,
      lastSeenAt: 0,
      teamKey: "12",
      snoozedUntil: null,
      assignee: null,
    } as const;
    expect(describeError({ type: "Conflict", data: { expected: 1, current } }, 3_000)).toBe(
      "Event #7 was changed by bob 2 s ago: it is now error and completed. Nothing was changed.",
    );
  });

  it("tells the user to free space when the disk is full", () => {
    const text = describeError({ type: "DiskFull", data: { message: "database or disk is full" } });
    expect(text).toContain("database or disk is full");
    expect(text).toContain("free some space");
  });
});
