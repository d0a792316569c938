// The operator's actions from the table, the detail pane and the keyboard: one event at a time
// (a conflict shows the current row and offers the action again on it) or the ticked rows.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { actionLabel, actionsFor, api, CommandError, describeChange, messageOf } from "../api";
import type { Action, BulkOutcome, Event } from "../bindings";
import type { Notice, Tone } from "../window/notices";
import { queryKeys } from "../queryKeys";

const pastTense: Record<Action, string> = {
  acknowledge: "Acknowledged",
  complete: "Completed",
  reopen: "Reopened",
};

/** What a command on the ticked rows does: an action, a snooze, or taking them. */
export type BulkKind = Action | "snooze" | "take";

/** "Completed 4 · 1 conflict · 1 not found · 0 skipped" (or "Snoozed …", "Took …"). */
export function summarise(action: BulkKind, outcomes: BulkOutcome[]): string {
  const count = (o: BulkOutcome["outcome"]) => outcomes.filter((x) => x.outcome === o).length;
  const conflicts = count("conflict");
  const done = action === "snooze" ? "Snoozed" : action === "take" ? "Took" : pastTense[action];
  return `${done} ${count("done")} · ${conflicts} ${conflicts === 1 ? "conflict" : "conflicts"} · ${count("notFound")} not found · ${count("skipped")} skipped`;
}

type Deps = {
  /** Puts a row the backend returned on the page. */
  showRow: (event: Event) => void;
  notify: (tone: Tone, text: string, retry?: Notice["retry"]) => void;
  /** Ticks exactly these rows (after a bulk action: the ones that conflicted). */
  select: (ids: number[]) => void;
  /** This operator as the core names assignees (`user`, or `operator:NAME` on a team). */
  me: string;
};

export function useEventActions({ showRow, notify, select, me }: Deps) {
  const [busy, setBusy] = useState<ReadonlySet<number>>(new Set());
  const [bulkBusy, setBulkBusy] = useState(false);
  const qc = useQueryClient();

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

  /** `action` on the ticked rows, a snooze of them until `until`, or taking them. */
  const runBulk = useCallback(
    async (action: BulkKind, targets: Event[], until?: number) => {
      if (targets.length === 0) return;
      setBulkBusy(true);
      try {
        const outcomes =
          action === "snooze"
            ? await api.snooze(targets, until ?? null)
            : action === "take"
              ? await api.assign(targets, me)
              : await api.bulk(action, targets);
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
        // Snoozed rows leave the views that hide them, taken ones join "Mine": read them again.
        if (action === "snooze" || action === "take")
          await qc.invalidateQueries({ queryKey: queryKeys.pages });
      } catch (e) {
        const verb =
          action === "snooze" || action === "take" ? action : actionLabel[action].toLowerCase();
        notify("error", `Could not ${verb} the selected events: ${messageOf(e)}`);
      } finally {
        setBulkBusy(false);
      }
    },
    [notify, showRow, select, qc, me],
  );

  return { busy, bulkBusy, run, runBulk };
}
