// Claim and assign from the detail pane: take an event ("mine"), give it to a member of the
// team, or release it. Each is a new version of the event: of two claims of one version the
// first wins, and the other desk is told who has it.
import { useQuery } from "@tanstack/react-query";
import { useContext } from "react";
import { api } from "../api";
import type { Event } from "../bindings";
import { ErrorLine } from "../controls";
import { actorLabel, actorName } from "../format";
import { queryKeys } from "../queryKeys";
import { OperatorNamesContext, operatorOf } from "../team/TeamPanel";
import { useEventCommand } from "./eventCommand";

/** Who has the event, with Take, Release and (on a team desk) Assign to. */
export function AssignControl({ event }: { event: Event }) {
  const names = useContext(OperatorNamesContext);
  // The team's state as the window keeps it (App reads it and follows its pushes).
  const team = useQuery({ queryKey: queryKeys.team, queryFn: api.teamStatus }).data ?? null;
  const me = operatorOf(team);
  const { run, busy, error } = useEventCommand(
    event,
    (to: string | null) => api.assign([event], to),
    (current) =>
      current.assignee ? `${actorName(current.assignee)} has it now` : "look at it again",
  );
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
