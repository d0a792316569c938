// One page of events kept current by pushed change sets, gap-free: a push that does not follow
// on from the page's seq triggers a catch-up read (`changes_since`); pausing buffers pushes.
import {
  keepPreviousData,
  useQuery,
  useQueryClient,
  type QueryClient,
} from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../api";
import type { ChangeSet, Event, EventQuery, Page } from "../bindings";
import { applyChangeSet, hold, noneHeld, replaceRow, type Held } from "./live";
import { onPush } from "./pushes";
import { markLatest } from "../marks";
import { queryKeys } from "../queryKeys";

/** Reads a page, marking when the read was sent and answered (see `marks.ts`). */
export async function readPage(q: EventQuery): Promise<Page> {
  const first = performance.getEntriesByName("eventdesk:first-read-start").length === 0;
  if (first) performance.mark("eventdesk:first-read-start");
  markLatest("eventdesk:read-start");
  const page = await api.listEvents(q);
  markLatest("eventdesk:read-end");
  if (first) performance.mark("eventdesk:first-read-end");
  return page;
}

/**
 * Reads `q`'s page into the cache ahead of the table (at start, while React builds the
 * window); the table's query finds it under the same key and does not read it again.
 */
export function prefetchPage(client: QueryClient, q: EventQuery): Promise<void> {
  return client.prefetchQuery({ queryKey: queryKeys.page(q), queryFn: () => readPage(q) });
}

/** The least time between two reads of a filtered view caused by pushes. */
const REREAD_MS = 250;

/** Pushes kept to replay onto a page whose read raced with them. */
const REPLAY = 200;

/** Applies sets newer than `page` in order; stops at a gap (the caller catches up). */
function replay(page: Page, sets: ChangeSet[]): { page: Page; newEvents: number; gap: boolean } {
  let current = page;
  let newEvents = 0;
  for (const set of sets) {
    const r = applyChangeSet(current, set);
    if (r.kind === "gap") return { page: current, newEvents, gap: true };
    if (r.kind === "applied") {
      current = r.page;
      newEvents += r.newEvents;
    }
  }
  return { page: current, newEvents, gap: false };
}

/**
 * Whether what a page leaves out depends on more than its rows: a silence was active (a new
 * event may be muted, which only the core knows) or an event was snoozed (a pushed change may
 * end or start a snooze). Such a page is read again on pushes, like a filtered one.
 */
function hides(page: Page | undefined): boolean {
  return page !== undefined && (page.silencing || page.nextWake !== null);
}

/** Whether a set snoozes or wakes an event (a row with a snooze, past or present). */
function touchesSnoozes(sets: ChangeSet[]): boolean {
  return sets.some((s) => s.rows.some((r) => r.snoozedUntil !== null));
}

/** The longest a timer may wait (setTimeout's limit, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `plain` views (everything, newest first) fold pushes in place; filtered or sorted views are
 * read again on a push, so a change that leaves the filter leaves the view.
 */
export function useLivePage(q: EventQuery, plainView: boolean) {
  const qc = useQueryClient();
  const plain = plainView && !hides(qc.getQueryData<Page>(queryKeys.page(q)));
  const recent = useRef<ChangeSet[]>([]);
  const held = useRef<Held>(noneHeld);
  const key = useRef(queryKeys.page(q));
  key.current = queryKeys.page(q);
  const plainRef = useRef(plain);
  plainRef.current = plain;
  const [newEvents, setNewEvents] = useState(0);
  const [paused, setPausedState] = useState(false);
  const pausedRef = useRef(false);
  const [heldChanges, setHeldChanges] = useState(0);
  const catchingUp = useRef(false);

  const query = useQuery({
    queryKey: queryKeys.page(q),
    queryFn: async () => {
      const page = await readPage(q);
      return plain && !hides(page) ? replay(page, recent.current).page : page;
    },
    placeholderData: keepPreviousData,
    // The window mounts this once per load; a page already in the cache then is the one
    // `prefetchPage` read a moment ago. Later views are read on their own (a new key).
    refetchOnMount: false,
  });

  /** Reads what the page missed and folds it in; reads the page again if that is too much. */
  const again = useRef(false);
  const catchUp = useCallback(async (): Promise<void> => {
    const k = key.current;
    const current = qc.getQueryData<Page>(k);
    if (!current) return;
    if (catchingUp.current) {
      // A gap seen while catching up: run once more when this one is done.
      again.current = true;
      return;
    }
    catchingUp.current = true;
    try {
      const result = await api.changesSince(current.seq);
      const latest = qc.getQueryData<Page>(k);
      if (!result.complete || !latest) {
        await qc.invalidateQueries({ queryKey: queryKeys.pages });
        return;
      }
      if (!result.changes) return;
      const r = applyChangeSet(latest, result.changes);
      if (r.kind === "applied") {
        // Pushes that arrived while the read was under way follow on from it.
        const after = replay(r.page, recent.current);
        qc.setQueryData(k, after.page);
        const added = r.newEvents + after.newEvents;
        if (added > 0) setNewEvents((n) => n + added);
        if (after.gap) again.current = true;
      } else if (r.kind === "gap") {
        await qc.invalidateQueries({ queryKey: queryKeys.pages });
      }
    } catch {
      await qc.invalidateQueries({ queryKey: queryKeys.pages });
    } finally {
      catchingUp.current = false;
      if (again.current) {
        again.current = false;
        void catchUp();
      }
    }
  }, [qc]);

  // A filtered view is read again on a push, at most every REREAD_MS: pushes that arrive while
  // it is being read, or soon after, make one more read once that time is up, instead of
  // cancelling the read under way. Under a steady stream of changes (a push every 50 ms) a read
  // slower than that would otherwise never finish, and the window would do nothing but read.
  const dirty = useRef(false);
  const lastRead = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const reread = useCallback(() => {
    if (timer.current !== undefined) return;
    if (qc.getQueryState(key.current)?.fetchStatus === "fetching") {
      dirty.current = true;
      return;
    }
    timer.current = setTimeout(
      () => {
        timer.current = undefined;
        // A read started meanwhile (the view changed) is left to finish, then followed.
        if (qc.getQueryState(key.current)?.fetchStatus === "fetching") dirty.current = true;
        else void qc.invalidateQueries({ queryKey: key.current });
      },
      Math.max(0, lastRead.current + REREAD_MS - Date.now()),
    );
  }, [qc]);
  useEffect(() => () => clearTimeout(timer.current), []);
  const apply = useCallback(
    (sets: ChangeSet[]) => {
      if (!plainRef.current || hides(qc.getQueryData<Page>(key.current)) || touchesSnoozes(sets)) {
        if (sets.length > 0) reread();
        return;
      }
      const current = qc.getQueryData<Page>(key.current);
      if (!current) return;
      const r = replay(current, sets);
      qc.setQueryData(key.current, r.page);
      if (r.newEvents > 0) setNewEvents((n) => n + r.newEvents);
      if (r.gap) void catchUp();
    },
    [qc, catchUp, reread],
  );

  useEffect(() => {
    return onPush((set) => {
      recent.current = [...recent.current.slice(1 - REPLAY), set];
      if (pausedRef.current) {
        held.current = hold(held.current, set);
        setHeldChanges(held.current.changes);
        return;
      }
      apply([set]);
    });
  }, [apply]);

  useEffect(() => {
    if (q.page === 1 || !plain) setNewEvents(0);
  }, [q.page, plain]);

  // A snoozed event comes back by itself when its time passes: the page is read again then
  // (the time comes with the page; nothing is polled).
  // Armed again after each read: a read that came before the core's clock passed the time
  // (a timer fired early, a clock stepped back) says the same time, and waits a second more.
  const nextWake = query.data?.nextWake ?? null;
  const readAt = query.dataUpdatedAt;
  useEffect(() => {
    if (nextWake === null) return;
    const due = nextWake - Date.now() + 1;
    const wait = Math.min(MAX_TIMER_MS, due > 0 ? due : 1_000);
    const wake = setTimeout(() => void qc.invalidateQueries({ queryKey: key.current }), wait);
    return () => clearTimeout(wake);
  }, [qc, nextWake, readAt]);

  const fetching = query.isFetching;
  useEffect(() => {
    if (fetching) return;
    lastRead.current = Date.now();
    if (!dirty.current) return;
    dirty.current = false;
    reread();
  }, [fetching, reread]);

  const setPaused = useCallback(
    (value: boolean) => {
      pausedRef.current = value;
      setPausedState(value);
      if (!value) {
        const { sets, overflow } = held.current;
        held.current = noneHeld;
        setHeldChanges(0);
        // More was held than is kept: the page is read again, which misses nothing.
        if (overflow) void qc.invalidateQueries({ queryKey: queryKeys.pages });
        else apply(sets);
      }
    },
    [apply, qc],
  );

  /** Puts a row the UI got from a command (an action, a conflict) on the page. */
  const showRow = useCallback(
    (event: Event) => qc.setQueryData<Page>(key.current, (p) => (p ? replaceRow(p, event) : p)),
    [qc],
  );

  return { query, newEvents, paused, setPaused, heldChanges, showRow };
}
