// "Since you left": what changed while the operator was away — new events, severities raised,
// events others completed or reopened, acknowledgements that timed out, silences made and
// ended — each line counted, with its latest events as links that open them. Built in the
// core from the change log; it follows pushes while open.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, messageOf } from "../api";
import { events, type Handover, type Line, type SilenceNote } from "../bindings";
import { ErrorLine } from "../controls";
import { actorName, formatTime, formatWhen } from "../format";
import { subscribe } from "../live/subscribe";
import { queryKeys } from "../queryKeys";
import { useCommand } from "../useCommand";

/** Whether a summary has nothing to say. */
export function nothingChanged(h: Handover): boolean {
  return h.changes === 0 && h.silencesMade.length === 0 && h.silencesEnded.length === 0;
}

/** The lines about events, in the order shown: name, field, what the count is of (one, several). */
const EVENT_LINES: [string, EventLine, [string, string]][] = [
  ["created", "created", ["new event", "new events"]],
  ["raised", "raised", ["raised in severity", "raised in severity"]],
  ["completed", "completed", ["completed by others", "completed by others"]],
  ["reopened", "reopened", ["reopened by others", "reopened by others"]],
  ["timed-out", "timedOut", ["acknowledgement timed out", "acknowledgements timed out"]],
  ["noted", "noted", ["with notes from others", "with notes from others"]],
  ["assigned", "assigned", ["claimed or assigned by others", "claimed or assigned by others"]],
];
type EventLine =
  "created" | "raised" | "completed" | "reopened" | "timedOut" | "noted" | "assigned";

/** The spans offered besides "since you last looked", in hours. */
const SPANS = [1, 8, 24];

function HandoverLine(props: {
  name: string;
  /** What the count is of: one, and several. */
  what: [string, string];
  line: Line;
  onOpen: (id: number) => void;
}) {
  const { line } = props;
  if (line.count === 0) return null;
  return (
    <div className="handover-line" data-line={props.name}>
      <p>
        <strong>{line.count}</strong> {props.what[line.count === 1 ? 0 : 1]}
        {line.critical > 0 && <span className="critical-count"> ({line.critical} critical)</span>}
      </p>
      <ul>
        {line.events.map((e) => (
          <li key={e.id}>
            <button type="button" className="link" onClick={() => props.onOpen(e.id)}>
              #{e.id} {e.title}
            </button>
          </li>
        ))}
        {line.count > line.events.length && (
          <li className="more">and {line.count - line.events.length} more</li>
        )}
      </ul>
    </div>
  );
}

function SilenceLines(props: { name: string; what: [string, string]; notes: SilenceNote[] }) {
  if (props.notes.length === 0) return null;
  return (
    <div className="handover-line" data-line={props.name}>
      <p>
        <strong>{props.notes.length}</strong> {props.what[props.notes.length === 1 ? 0 : 1]}
      </p>
      <ul>
        {props.notes.map((n) => (
          <li key={n.id}>
            #{n.id} {n.comment} — {actorName(n.author)}, {formatTime(n.at)}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The summary since the operator last looked (or over a chosen span), and "Mark as read". */
export function HandoverPanel({ onOpen }: { onOpen: (id: number) => void }) {
  const qc = useQueryClient();
  // Hours back, or null: since the operator last looked.
  const [span, setSpan] = useState<number | null>(null);
  const summary = useQuery({
    queryKey: [...queryKeys.handover, span],
    queryFn: () => api.handover(span === null ? null : Date.now() - span * 3_600_000),
  });
  useEffect(
    () =>
      subscribe(events.eventsChanged.listen, () => {
        void qc.invalidateQueries({ queryKey: queryKeys.handover });
      }),
    [qc],
  );
  const seen = useCommand(api.handoverSeen);
  const view = summary.data;
  const h = view?.handover;
  return (
    <section className="panel handover" aria-labelledby="handover-heading">
      <h2 id="handover-heading">Since you left</h2>
      <label>
        From
        <select
          aria-label="From"
          value={span ?? ""}
          onChange={(e) => setSpan(e.target.value === "" ? null : Number(e.target.value))}
        >
          <option value="">
            {view?.seenAt != null
              ? `when you last looked (${formatWhen(view.seenAt)})`
              : "when you last looked"}
          </option>
          {SPANS.map((h) => (
            <option key={h} value={h}>
              {h === 1 ? "the last hour" : `the last ${h} hours`}
            </option>
          ))}
        </select>
      </label>
      {summary.isError && <p role="alert">{messageOf(summary.error)}</p>}
      {h && nothingChanged(h) && (
        <p className="hint">Nothing changed since {formatWhen(h.since)}.</p>
      )}
      {h && (
        <>
          {EVENT_LINES.map(([name, key, what]) => (
            <HandoverLine key={name} name={name} what={what} line={h[key]} onOpen={onOpen} />
          ))}
          <SilenceLines
            name="silences-made"
            what={["silence made", "silences made"]}
            notes={h.silencesMade}
          />
          <SilenceLines
            name="silences-ended"
            what={["silence ended", "silences ended"]}
            notes={h.silencesEnded}
          />
        </>
      )}
      <button
        type="button"
        disabled={seen.busy}
        onClick={() =>
          void seen.run(undefined).then((done) => {
            if (done) void qc.invalidateQueries({ queryKey: queryKeys.handover });
          })
        }
      >
        Mark as read
      </button>
      <ErrorLine error={seen.error} />
    </section>
  );
}

/**
 * At start: opens the summary when something changed since the operator last looked here,
 * and on a desk's first start remembers now, so that the next start has a moment to start from.
 */
export function useHandoverAtStart(openPanel: () => void) {
  useEffect(() => {
    let live = true;
    api
      .handover(null)
      .then((view) => {
        if (!live) return;
        if (view.seenAt === null) void api.handoverSeen().catch(() => undefined);
        else if (!nothingChanged(view.handover)) openPanel();
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
    // Once, when the window opens.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
}
