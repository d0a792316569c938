import { QueryClient } from "@tanstack/react-query";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeBackend } from "../test/fakeBackend";
import { queryKeys } from "../queryKeys";
import { ACTIVITY_EVERY_MS, SIMULATOR_EVERY_MS, feedCache } from "./cacheFeed";

/** A client holding a fresh answer for each key; `isInvalidated` then tells what a push touched. */
function clientWith(...keys: (readonly unknown[])[]): QueryClient {
  const qc = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity } } });
  for (const key of keys) qc.setQueryData(key, { at: 0 });
  return qc;
}

const invalidated = (qc: QueryClient, key: readonly unknown[]) =>
  qc.getQueryState(key)?.isInvalidated ?? false;

afterEach(() => vi.useRealTimers());

describe("the cache feed", () => {
  it("reads again the detail of an event a push touched, and only that one", async () => {
    const backend = new FakeBackend(3);
    const qc = clientWith(queryKeys.event(1), queryKeys.event(2));
    const stop = feedCache(qc);
    await backend.pushChange(1, { status: "acknowledged" });
    await vi.waitFor(() => expect(invalidated(qc, queryKeys.event(1))).toBe(true));
    expect(invalidated(qc, queryKeys.event(2))).toBe(false);
    stop();
  });

  it("refreshes the simulator and the activity strip at most once per period", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const backend = new FakeBackend(3);
    const qc = clientWith(queryKeys.simulator, queryKeys.activity);
    const stop = feedCache(qc);

    await backend.pushCreated(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(invalidated(qc, queryKeys.simulator)).toBe(true);
    expect(invalidated(qc, queryKeys.activity)).toBe(true);

    // Answered again; a burst of pushes right after waits for the period, then refreshes once.
    qc.setQueryData(queryKeys.simulator, { at: 1 });
    qc.setQueryData(queryKeys.activity, { at: 1 });
    for (let i = 0; i < 5; i++) await backend.pushCreated(1);
    await vi.advanceTimersByTimeAsync(SIMULATOR_EVERY_MS - 10);
    expect(invalidated(qc, queryKeys.simulator)).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    expect(invalidated(qc, queryKeys.simulator)).toBe(true);
    expect(invalidated(qc, queryKeys.activity)).toBe(false);
    await vi.advanceTimersByTimeAsync(ACTIVITY_EVERY_MS - SIMULATOR_EVERY_MS);
    expect(invalidated(qc, queryKeys.activity)).toBe(true);

    // A change that creates nothing leaves the activity strip alone.
    qc.setQueryData(queryKeys.activity, { at: 2 });
    await backend.pushChange(1, { status: "acknowledged" });
    await vi.advanceTimersByTimeAsync(ACTIVITY_EVERY_MS * 2);
    expect(invalidated(qc, queryKeys.activity)).toBe(false);

    // Stopped: pushes reach nothing.
    stop();
    qc.setQueryData(queryKeys.simulator, { at: 3 });
    await backend.pushCreated(1);
    await vi.advanceTimersByTimeAsync(SIMULATOR_EVERY_MS * 2);
    expect(invalidated(qc, queryKeys.simulator)).toBe(false);
  });
});
