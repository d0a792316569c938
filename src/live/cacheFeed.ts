// The one place pushed change sets reach the query cache for everything but the table's page
// (which `useLivePage` folds sets into): the detail of an event a set touched is read again, the
// simulator's status (its change count) and the activity strip at most every so often.
import type { QueryClient } from "@tanstack/react-query";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import type { ChangeSet } from "../bindings";
import { queryKeys } from "../queryKeys";
import { onPush } from "./pushes";

/** The least time between two refreshes of the simulator's status caused by pushes. */
export const SIMULATOR_EVERY_MS = 1_000;
/** The least time between two refreshes of the activity strip caused by new events. */
export const ACTIVITY_EVERY_MS = 2_000;

/** A refresh run at most once per `every` ms, the last request always honoured. */
function throttled(every: number, refresh: () => void) {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    request() {
      if (timer !== undefined) return;
      timer = setTimeout(
        () => {
          timer = undefined;
          last = Date.now();
          refresh();
        },
        Math.max(0, last + every - Date.now()),
      );
    },
    stop: () => clearTimeout(timer),
  };
}

/** Feeds every pushed set into `qc` until the returned function is called. */
export function feedCache(qc: QueryClient): () => void {
  const simulator = throttled(SIMULATOR_EVERY_MS, () => {
    void qc.invalidateQueries({ queryKey: queryKeys.simulator });
  });
  const activity = throttled(ACTIVITY_EVERY_MS, () => {
    void qc.invalidateQueries({ queryKey: queryKeys.activity });
  });
  const stop = onPush((set: ChangeSet) => {
    // Only details in the cache are read again: an invalidation matching no query does nothing.
    for (const row of set.rows) void qc.invalidateQueries({ queryKey: queryKeys.event(row.id) });
    simulator.request();
    if (set.created.length > 0) activity.request();
  });
  return () => {
    stop();
    simulator.stop();
    activity.stop();
  };
}

/** Mounted once, by the app. */
export function useCacheFeed() {
  const qc = useQueryClient();
  useEffect(() => feedCache(qc), [qc]);
}
