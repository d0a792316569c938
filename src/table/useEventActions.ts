// The operator's actions from the table, the detail pane and the keyboard: one event at a time
// (a conflict shows the current row and offers the action again on it) or the ticked rows.
import { useCallback, useState } from "react";
import { actionLabel, actionsFor, api, CommandError, describeChange, messageOf } from "../api";
import type { Action, BulkOutcome, Event } from "../bindings";
import type { Notice, Tone } from "../window/notices";

const pastTense: Record<Action, string> = {
  acknowledge: "Acknowledged",
  complete: "Completed",
  reopen: "Reopened",
};

/** "Completed 4 · 1 conflict · 1 not found · 0 skipped" */
export function summarise(action: Action, outcomes: BulkOutcome[]): string {
  const count = (o: BulkOutcome["outcome"]) => outcomes.filter((x) => x.outcome === o).length;
  const conflicts = count("conflict");
  return `${pastTense[action]} ${count("done")} · ${conflicts} ${conflicts === 1 ? "conflict" : "conflicts"} · ${count("notFound")} not found · ${count("skipped")} skipped`;
}

type Deps = {
  /** Puts a row the backend returned on the page. */
  showRow: (event: Event) => void;
  notify: (tone: Tone, text: string, retry?: Notice["retry"]) => void;
  /** Ticks exactly these rows (after a bulk action: the ones that conflicted). */
  select: (ids: number[]) => void;
};

export function useEventActions({ showRow, notify, select }: Deps) {
  const [busy, setBusy] = useState<ReadonlySet<number>>(new Set());
  const [bulkBusy, setBulkBusy] = useState(false);

  const run = useCallback(
    async (action: Action, event: Event) => {
      setBusy((b) => new Set(b).add(event.id));
      try {
        showRow(await api.act(action, event));
      } catch (e) {
        if (e instanceof CommandError && e.error.type === "Conflict") {
          const fresh = e.error.data.current;
          showRow(fresh);
          const again = actionsFor(fresh).includes(action);
          notify(
            "warning",
            e.message,
            again
              ? {
                  label: `${actionLabel[action]} #${fresh.id} now`,
                  run: () => void run(action, fresh),
                }
              : undefined,
          );
        } else {
          notify(
            "error",
            `Could not ${actionLabel[action].toLowerCase()} event #${event.id}: ${messageOf(e)}`,
          );
        }
      } finally {
        setBusy((b) => {
          const next = new Set(b);
          next.delete(event.id);
          return next;
        });
      }
    },
    [notify, showRow],
  );

  const runBulk = useCallback(
    async (action: Action, targets: Event[]) => {
      if (targets.length === 0) return;
      setBulkBusy(true);
      try {
        const outcomes = await api.bulk(action, targets);
        for (const o of outcomes) {
          if (o.outcome === "done") showRow(o.event);
          if (o.outcome === "conflict") showRow(o.current);
        }
        const conflicts = outcomes.flatMap((o) => (o.outcome === "conflict" ? [o.current] : []));
        const detail =
          conflicts.length > 0 ? ` ${conflicts.map((c) => describeChange(c)).join(" ")}` : "";
        notify(
          conflicts.length > 0 ? "warning" : "info",
          `${summarise(action, outcomes)}.${detail}`,
        );
        select(conflicts.map((c) => c.id));
      } catch (e) {
        notify(
          "error",
          `Could not ${actionLabel[action].toLowerCase()} the selected events: ${messageOf(e)}`,
        );
      } finally {
        setBulkBusy(false);
      }
    },
    [notify, showRow, select],
  );

  return { busy, bulkBusy, run, runBulk };
}
