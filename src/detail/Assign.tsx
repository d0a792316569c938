// Claim and assign from the detail pane: take an event ("mine"), give it to a member of the
// team, or release it. Each is a new version of the event: of two claims of one version the
// first wins, and the other desk is told who has it.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useContext, useState } from "react";
import { api, messageOf } from "../api";
import type { BulkOutcome, Event } from "../bindings";
import { ErrorLine } from "../controls";
import { actorLabel, actorName } from "../format";
import { queryKeys } from "../queryKeys";
import { OperatorNamesContext } from "../team/TeamPanel";

/** What an assignment that did not apply says. */
function refusal(outcome: BulkOutcome | undefined): string | null {
  if (!outcome || outcome.outcome === "done") return null;
  if (outcome.outcome === "conflict") {
    const who = outcome.current.assignee;
    return `Event #${outcome.id} changed meanwhile${who ? `: ${actorName(who)} has it now` : ""}.`;
  }
  if (outcome.outcome === "notFound") return `Event #${outcome.id} is gone.`;
  return outcome.reason;
}

/** Who has the event, with Take, Release and (on a team desk) Assign to. */
export function AssignControl({ event }: { event: Event }) {
  const qc = useQueryClient();
  const names = useContext(OperatorNamesContext);
  // The team's state as the window keeps it (App reads it and follows its pushes).
  const team = useQuery({ queryKey: queryKeys.team, queryFn: api.teamStatus }).data ?? null;
  const me = team ? `operator:${team.operator}` : "user";
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (to: string | null) => {
    setBusy(true);
    setError(null);
    try {
      const [outcome] = await api.assign([event], to);
      setError(refusal(outcome));
      await qc.invalidateQueries({ queryKey: queryKeys.event(event.id) });
      await qc.invalidateQueries({ queryKey: queryKeys.pages });
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  const members = (team?.roster ?? []).filter((m) => m.role !== "viewer");
  return (
    <div className="assign">
      <span className="assignee" data-assignee={event.assignee ?? ""}>
        {event.assignee === null
          ? "Unassigned"
          : event.assignee === me
            ? "Yours"
            : `Assigned to ${actorLabel(event.assignee, names)}`}
      </span>
      {event.assignee !== me && (
        <button type="button" disabled={busy} onClick={() => void run(me)}>
          Take
        </button>
      )}
      {event.assignee !== null && (
        <button type="button" disabled={busy} onClick={() => void run(null)}>
          Release
        </button>
      )}
      {members.length > 0 && (
        <select
          aria-label="Assign to"
          disabled={busy}
          value=""
          onChange={(e) => void run(e.target.value)}
        >
          <option value="" disabled>
            Assign to…
          </option>
          {members.map((m) => (
            <option key={m.user} value={`operator:${m.user}`}>
              {m.name ? `${m.name} (${m.user})` : m.user}
            </option>
          ))}
        </select>
      )}
      <ErrorLine error={error} />
    </div>
  );
}
