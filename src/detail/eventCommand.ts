// A command on one event from its detail pane (snooze, assign): its outcome read as the core
// gives it, a refusal shown where the operator clicked.
import { useQueryClient } from "@tanstack/react-query";
import type { BulkOutcome, Event } from "../bindings";
import { queryKeys } from "../queryKeys";
import { useCommand } from "../useCommand";

/** What a change to one event that did not apply says; `conflict` tells a conflict. */
export function refusal(
  outcome: BulkOutcome | undefined,
  conflict: (current: Event) => string = () => "look at it again",
): string | null {
  if (!outcome || outcome.outcome === "done") return null;
  if (outcome.outcome === "conflict")
    return `Event #${outcome.id} changed meanwhile: ${conflict(outcome.current)}.`;
  if (outcome.outcome === "notFound") return `Event #${outcome.id} is gone.`;
  return outcome.reason;
}

/**
 * A command on one event from its detail pane (through [`useCommand`]): a refusal is shown
 * as its error, and the event and the pages are read again either way.
 */
export function useEventCommand<Args>(
  event: Event,
  command: (args: Args) => Promise<BulkOutcome[]>,
  conflict?: (current: Event) => string,
) {
  const qc = useQueryClient();
  return useCommand(async (args: Args) => {
    const [outcome] = await command(args);
    await qc.invalidateQueries({ queryKey: queryKeys.event(event.id) });
    await qc.invalidateQueries({ queryKey: queryKeys.pages });
    const refused = refusal(outcome, conflict);
    if (refused) throw new Error(refused);
  });
}
