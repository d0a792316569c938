// One page of events kept current by pushed change sets.
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "./api";
import { events, type ChangeSet, type Event, type Page } from "./bindings";
import { applyChangeSet, replaceRow } from "./live";

/** Pushes kept to replay onto a page whose read raced with them. */
const REPLAY = 200;

export function pageKey(page: number, pageSize: number) {
  return ["events", page, pageSize] as const;
}

/** Applies buffered pushes newer than `page` in order; stops at a gap (the next push refetches). */
function catchUp(page: Page, recent: ChangeSet[]): Page {
  let current = page;
  for (const set of recent) {
    const r = applyChangeSet(current, set);
    if (r.kind === "gap") break;
    if (r.kind === "applied") current = r.page;
  }
  return current;
}

export function useLivePage(page: number, pageSize: number) {
  const qc = useQueryClient();
  const recent = useRef<ChangeSet[]>([]);
  const key = useRef(pageKey(page, pageSize));
  key.current = pageKey(page, pageSize);
  const [newEvents, setNewEvents] = useState(0);
  const [lastPushAt, setLastPushAt] = useState<number | null>(null);

  const query = useQuery({
    queryKey: pageKey(page, pageSize),
    queryFn: async () => catchUp(await api.listEvents(page, pageSize), recent.current),
    placeholderData: keepPreviousData,
  });

  useEffect(() => {
    let unlisten: (() => void) | undefined;
    let disposed = false;
    const onSet = (set: ChangeSet) => {
      recent.current = [...recent.current.slice(1 - REPLAY), set];
      setLastPushAt(Date.now());
      const changed = new Set(set.rows.map((r) => r.id));
      void qc.invalidateQueries({ queryKey: ["event"], predicate: (q) => changed.has(q.queryKey[1] as number) });
      const current = qc.getQueryData<Page>(key.current);
      if (!current) return;
      const r = applyChangeSet(current, set);
      if (r.kind === "gap") {
        void qc.invalidateQueries({ queryKey: ["events"] });
      } else if (r.kind === "applied") {
        qc.setQueryData(key.current, r.page);
        if (r.newEvents > 0) setNewEvents((n) => n + r.newEvents);
      }
    };
    events.eventsChanged
      .listen((e) => onSet(e.payload))
      .then((u) => (disposed ? u() : (unlisten = u)))
      .catch(() => undefined);
    return () => {
      disposed = true;
      unlisten?.();
    };
  }, [qc]);

  useEffect(() => {
    if (page === 1) setNewEvents(0);
  }, [page]);

  /** Puts a row the UI got from a command (completion, conflict) on the page. */
  const showRow = useCallback(
    (event: Event) => qc.setQueryData<Page>(key.current, (p) => (p ? replaceRow(p, event) : p)),
    [qc],
  );

  return { query, newEvents, lastPushAt, showRow };
}
