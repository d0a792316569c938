// Snoozing an event from its detail pane: for a while, after which it comes back by itself
// (or sooner, when its severity rises or someone wakes it). The core keeps the time; views
// that hide snoozed events leave it out until then.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api } from "../api";
import type { Event } from "../bindings";
import { ErrorLine } from "../controls";
import { formatDateTime } from "../format";
import { queryKeys } from "../queryKeys";
import { useEventCommand } from "./eventCommand";

/** How long a snooze lasts, from now: label and minutes. */
export const SNOOZE_CHOICES: readonly (readonly [string, number])[] = [
  ["15 minutes", 15],
  ["1 hour", 60],
  ["4 hours", 240],
  ["1 day", 1_440],
  ["1 week", 10_080],
];

/** How long to snooze, in minutes, from [`SNOOZE_CHOICES`]. */
export function SnoozeFor(props: {
  label: string;
  minutes: number;
  onChange: (minutes: number) => void;
}) {
  return (
    <select
      aria-label={props.label}
      value={props.minutes}
      onChange={(e) => props.onChange(Number(e.target.value))}
    >
      {SNOOZE_CHOICES.map(([label, m]) => (
        <option key={m} value={m}>
          {label}
        </option>
      ))}
    </select>
  );
}

/** "Snooze for …" on an event that is not completed; "Wake" on a snoozed one. */
export function SnoozeControl({ event }: { event: Event }) {
  const qc = useQueryClient();
  const [minutes, setMinutes] = useState(60);
  const { run, busy, error } = useEventCommand(event, (to: number | null) =>
    api.snooze([event], to),
  );
  const until = event.snoozedUntil;
  const snoozed = until !== null && until > Date.now();
  // When the time passes the event comes back: its record is read again then.
  useEffect(() => {
    const wait = until === null ? 0 : until - Date.now();
    if (wait <= 0 || wait > 2 ** 31 - 1) return;
    const back = setTimeout(
      () => void qc.invalidateQueries({ queryKey: queryKeys.event(event.id) }),
      wait + 1,
    );
    return () => clearTimeout(back);
  }, [qc, until, event.id]);
  if (event.status === "completed" && !snoozed) return null;
  return (
    <div className="snooze">
      {snoozed ? (
        <>
          <span className="snoozed-until">Snoozed until {formatDateTime(until)}</span>
          <button type="button" disabled={busy} onClick={() => void run(null)}>
            Wake
          </button>
        </>
      ) : (
        <>
          <label>
            Snooze for <SnoozeFor label="Snooze for" minutes={minutes} onChange={setMinutes} />
          </label>
          <button
            type="button"
            disabled={busy}
            onClick={() => void run(Date.now() + minutes * 60_000)}
          >
            Snooze
          </button>
        </>
      )}
      <ErrorLine error={error} />
    </div>
  );
}
