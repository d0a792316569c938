// Silences: made from matchers with a live preview of what they would mute, listed as active,
// pending and expired, edited (a new version) and expired early. The matchers are read by the
// core's own parser (preview_silence), which says where the text is wrong.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useContext, useEffect, useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import type { Matcher, Silence, SilencePreview } from "../bindings";
import { ErrorLine } from "../controls";
import { actorLabel, formatDateTime } from "../format";
import { queryKeys } from "../queryKeys";
import { OperatorNamesContext } from "../team/TeamPanel";

const HOUR = 3_600_000;
export const DURATIONS: [string, number][] = [
  ["1 hour", HOUR],
  ["4 hours", 4 * HOUR],
  ["1 day", 24 * HOUR],
  ["7 days", 7 * 24 * HOUR],
];
const PREVIEW_DELAY_MS = 150;

/** A matcher as the core writes it: `name op "value"`, the value quoted and escaped. */
export function matcherText(m: Matcher): string {
  const value = m.value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  return `${m.name}${m.op}"${value}"`;
}

export function matchersText(matchers: Matcher[]): string {
  return `{${matchers.map(matcherText).join(", ")}}`;
}

export type SilenceState = "pending" | "active" | "expired";

export function stateOf(s: Silence, now: number): SilenceState {
  if (now < s.startsAt) return "pending";
  return now < s.endsAt ? "active" : "expired";
}

type Props = {
  /** Matchers to start a new silence from ("Silence similar" in the detail pane). */
  start: string | null;
};

/** The form: matchers (with the preview), how long, why; makes or edits a silence. */
function SilenceForm({
  editing,
  start,
  onDone,
}: {
  editing: Silence | null;
  start: string | null;
  onDone: () => void;
}) {
  const qc = useQueryClient();
  const [text, setText] = useState(editing ? matchersText(editing.matchers) : (start ?? ""));
  const [duration, setDuration] = useState(HOUR);
  const [comment, setComment] = useState(editing?.comment ?? "");
  const [preview, setPreview] = useState<SilencePreview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (start !== null && !editing) setText(start);
  }, [start, editing]);
  useEffect(() => {
    if (text.trim() === "") {
      setPreview(null);
      setProblem(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      api.previewSilence(text).then(
        (p) => {
          if (!current) return;
          setPreview(p);
          setProblem(null);
        },
        (e: unknown) => {
          if (!current) return;
          setPreview(null);
          setProblem(messageOf(e));
        },
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [text]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const matchers = preview?.matchers ?? (await api.previewSilence(text)).matchers;
      const draft = {
        matchers,
        startsAt: editing ? editing.startsAt : null,
        endsAt: Date.now() + duration,
        comment,
      };
      if (editing) await api.editSilence(editing, draft);
      else await api.addSilence(draft);
      await qc.invalidateQueries({ queryKey: queryKeys.silences });
      await qc.invalidateQueries({ queryKey: queryKeys.pages });
      onDone();
      setText("");
      setComment("");
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="silence-form"
      aria-label={editing ? `Edit silence ${editing.id}` : "New silence"}
      onSubmit={(e) => void submit(e)}
    >
      <label>
        Matchers
        <textarea
          rows={2}
          value={text}
          placeholder='{source="db-7", label.alertname="DiskFull"}'
          aria-invalid={problem !== null}
          onChange={(e) => setText(e.target.value)}
        />
      </label>
      <p className="silence-preview" aria-live="polite">
        {problem ??
          (preview ? `Matches ${preview.matches.toLocaleString("en-US")} open events now` : "")}
      </p>
      <label>
        For
        <select value={duration} onChange={(e) => setDuration(Number(e.target.value))}>
          {DURATIONS.map(([label, ms]) => (
            <option key={ms} value={ms}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Why
        <input value={comment} onChange={(e) => setComment(e.target.value)} />
      </label>
      <div className="silence-buttons">
        <button type="submit" disabled={busy || problem !== null || text.trim() === ""}>
          {editing ? "Save silence" : "Silence"}
        </button>
        {editing && (
          <button type="button" onClick={onDone}>
            Cancel
          </button>
        )}
      </div>
      <ErrorLine error={error} />
    </form>
  );
}

/** Silences: a form for a new one and every silence, active and pending first. */
export function SilencesPanel({ start }: Props) {
  const qc = useQueryClient();
  const silences = useQuery({ queryKey: queryKeys.silences, queryFn: api.silences });
  const [editing, setEditing] = useState<Silence | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const names = useContext(OperatorNamesContext);
  // States move with the clock: look again each minute and when the list changes.
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => setNow(Date.now()), [silences.data]);
  const expire = async (s: Silence) => {
    setError(null);
    try {
      await api.expireSilence(s);
      await qc.invalidateQueries({ queryKey: queryKeys.silences });
      await qc.invalidateQueries({ queryKey: queryKeys.pages });
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const order: SilenceState[] = ["active", "pending", "expired"];
  const sorted = [...(silences.data ?? [])].sort(
    (a, b) => order.indexOf(stateOf(a, now)) - order.indexOf(stateOf(b, now)) || b.id - a.id,
  );
  return (
    <section className="silences" aria-label="Silences">
      <h2>Silences</h2>
      {editing ? (
        <SilenceForm
          key={`edit-${editing.id}`}
          editing={editing}
          start={null}
          onDone={() => setEditing(null)}
        />
      ) : (
        <SilenceForm key="new" editing={null} start={start} onDone={() => undefined} />
      )}
      {silences.isError && <p role="alert">{messageOf(silences.error)}</p>}
      <ErrorLine error={error} />
      {silences.data?.length === 0 && (
        <p className="silence-meta">No silences yet: events are muted only by a silence.</p>
      )}
      <ul className="silence-list" aria-label="Every silence">
        {sorted.map((s) => {
          const state = stateOf(s, now);
          return (
            <li key={s.id} data-silence={s.id} data-state={state}>
              <div>
                <strong>#{s.id}</strong> <span className={`silence-state ${state}`}>{state}</span>{" "}
                <code>{matchersText(s.matchers)}</code>
              </div>
              <div className="silence-meta">
                {state === "pending" ? `from ${formatDateTime(s.startsAt)} ` : ""}
                {state === "expired" ? "ended" : "until"} {formatDateTime(s.endsAt)} ·{" "}
                {actorLabel(s.author, names)}: {s.comment}
              </div>
              {state !== "expired" && (
                <div className="silence-buttons">
                  <button type="button" onClick={() => setEditing(s)}>
                    Edit
                  </button>
                  <button type="button" onClick={() => void expire(s)}>
                    Expire
                  </button>
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
