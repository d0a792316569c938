// Where events come in from: the loopback HTTP endpoint (PagerDuty Events v2 and Alertmanager)
// and RabbitMQ queues or streams. Their state is pushed by Rust as it changes.
import { Senders } from "./Senders";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import { useCommand } from "../useCommand";
import {
  events,
  type Activity,
  type Format,
  type QueueKind,
  type QueueState,
  type QueueView,
  type SourcesStatus,
} from "../bindings";
import { ErrorLine } from "../controls";
import { formatDateTime } from "../format";
import { queryKeys } from "../queryKeys";
import { subscribe } from "../live/subscribe";

const n = (x: number) => x.toLocaleString("en-US");
const plural = (x: number, what: string) => `${n(x)} ${what}${x === 1 ? "" : "s"}`;

/** What a source has done: counts, rate, its last place, and the messages it rejected lately. */
function ActivityLines({ activity }: { activity: Activity }) {
  const c = activity.counts;
  const parts = [`${n(c.applied)} applied`];
  if (c.rejected > 0) parts.push(`${n(c.rejected)} rejected`);
  if (c.duplicates > 0) parts.push(`${n(c.duplicates)} repeated deliveries skipped`);
  return (
    <>
      <p className="source-counts">
        {parts.join(", ")} · {n(c.created)} opened, {n(c.updated)} raised again, {n(c.completed)}{" "}
        resolved, {n(c.ignored)} ignored ·{" "}
        <span className="rate">{(activity.perSecond ?? 0).toFixed(1)} messages/s</span>
        {activity.last && <> · last at {activity.last}</>}
      </p>
      {activity.rejections.length > 0 && (
        <details className="rejections">
          <summary>
            Rejected lately:{" "}
            {plural(
              activity.rejections.reduce((n, r) => n + r.count, 0),
              "message",
            )}
            , {plural(activity.rejections.length, "reason")}
          </summary>
          <ol aria-label="Rejected messages">
            {activity.rejections.map((r) => (
              <li key={r.reason}>
                <time dateTime={new Date(r.at).toISOString()}>{formatDateTime(r.at)}</time>
                {r.place && <> · {r.place}</>}: {r.reason}
                {r.count > 1 && (
                  <span className="repeats">
                    {" "}
                    (×{n(r.count)} since {formatDateTime(r.firstAt)})
                  </span>
                )}
              </li>
            ))}
          </ol>
        </details>
      )}
    </>
  );
}

function stateText(q: QueueView): string {
  return queueStateText(q.status.state);
}

/** A RabbitMQ consumer's state in words: "Connected since …", "Offline since …: why". */
export function queueStateText(s: QueueState): string {
  switch (s.state) {
    case "connecting":
      return "Connecting…";
    case "connected":
      return `Connected since ${formatDateTime(s.since)}`;
    case "offline":
      return `Offline since ${formatDateTime(s.since)}: ${s.error} (trying again)`;
    case "held":
      return `Waiting since ${formatDateTime(s.since)}: ${s.error} (the broker is fine; trying again)`;
    case "failed":
      return `Stopped since ${formatDateTime(s.since)}: ${s.error}`;
    case "paused":
      return "Paused";
    case "stopped":
      return "Stopped";
  }
}

/** The endpoint: on or off, where senders point, its token. */
function HttpEndpoint({ status }: { status: SourcesStatus }) {
  const qc = useQueryClient();
  const http = status.http;
  const [port, setPort] = useState<string | null>(null);
  const [token, setToken] = useState<string | null>(null);
  const { run, busy, error } = useCommand((work: () => Promise<void>) => work());
  const apply = (enabled: boolean) =>
    run(async () => {
      qc.setQueryData(
        queryKeys.sources,
        await api.setHttpEndpoint(enabled, Number(port ?? http.port)),
      );
      setPort(null);
    });
  return (
    <div className="source" data-source="http">
      <h3>HTTP endpoint</h3>
      <p className="source-state" data-listening={http.listening !== null}>
        {http.listening ? `Listening on ${http.listening}` : http.enabled ? "Not listening" : "Off"}
        {http.fromEnvironment && " · set by EVENTDESK_HTTP_LISTEN"}
      </p>
      {http.error && (
        <p role="alert" className="notice notice-error">
          {http.error}
        </p>
      )}
      {http.listening && (
        <ul className="endpoints">
          <li>
            PagerDuty Events v2: <code>{http.listening}/v2/enqueue</code>
          </li>
          <li>
            Alertmanager webhook: <code>{http.listening}/alertmanager</code>
          </li>
        </ul>
      )}
      <div className="source-controls">
        <label>
          Port
          <input
            type="number"
            min={1024}
            max={65535}
            value={port ?? String(http.port)}
            disabled={http.fromEnvironment}
            onChange={(e) => setPort(e.target.value)}
          />
        </label>
        {!http.fromEnvironment && (
          <button
            type="button"
            disabled={busy}
            onClick={() => void apply(!http.enabled || port !== null)}
          >
            {http.enabled && port === null ? "Turn off" : http.enabled ? "Apply port" : "Turn on"}
          </button>
        )}
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void run(async () => setToken(token === null ? await api.httpToken() : null))
          }
        >
          {token === null ? "Show token" : "Hide token"}
        </button>
        <button
          type="button"
          disabled={busy || http.fromEnvironment}
          onClick={() => void run(async () => setToken(await api.newHttpToken()))}
        >
          New token
        </button>
      </div>
      {token !== null && (
        <p className="token">
          Senders authenticate with <code>Authorization: Bearer {token}</code> (PagerDuty senders
          that cannot set a header: <code>/v2/enqueue/{token}</code>).
        </p>
      )}
      {http.listening && <ActivityLines activity={http.activity} />}
      <ErrorLine error={error} />
    </div>
  );
}

type Draft = { url: string; queue: string; kind: QueueKind; format: Format };

const FORMATS: [Format, string][] = [
  ["auto", "PagerDuty or Alertmanager"],
  ["pagerduty", "PagerDuty Events v2"],
  ["alertmanager", "Alertmanager webhook"],
];

/** Which messages a queue carries. */
function FormatSelect({ value, onChange }: { value: Format; onChange: (format: Format) => void }) {
  return (
    <label>
      Messages
      <select value={value} onChange={(e) => onChange(e.target.value as Format)}>
        {FORMATS.map(([format, label]) => (
          <option key={format} value={format}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A new URL (blank keeps the stored one) and format for a queue. */
function EditQueue({
  queue,
  busy,
  onSave,
}: {
  queue: QueueView;
  busy: boolean;
  onSave: (url: string | null, format: Format) => void;
}) {
  const [url, setUrl] = useState("");
  const [format, setFormat] = useState<Format>(queue.format);
  return (
    <form
      aria-label={`Edit ${queue.queue}`}
      onSubmit={(e) => {
        e.preventDefault();
        onSave(url.trim() === "" ? null : url, format);
      }}
    >
      <label>
        New URL (blank: keep)
        <input
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
      </label>
      <FormatSelect value={format} onChange={setFormat} />
      <button type="submit" disabled={busy}>
        Save
      </button>
    </form>
  );
}
const EMPTY: Draft = { url: "", queue: "", kind: "stream", format: "auto" };

/** The queues read, and a form to add one. */
function Queues({ status }: { status: SourcesStatus }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [editing, setEditing] = useState<string | null>(null);
  const {
    run: change,
    busy,
    error,
  } = useCommand((work: () => Promise<SourcesStatus>) => work(), queryKeys.sources);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void change(() => api.addQueueSource(draft.url, draft.queue, draft.kind, draft.format)).then(
      (ok) => ok && setDraft(EMPTY),
    );
  };
  return (
    <div className="source" data-source="rabbitmq">
      <h3>RabbitMQ</h3>
      {status.queues.length === 0 && <p className="source-state">No queues are read.</p>}
      <ul className="queues" aria-label="Queues">
        {status.queues.map((q) => (
          <li key={q.id} data-queue={q.queue} data-state={q.status.state.state}>
            <p>
              <strong>{q.queue}</strong> ({q.status.kind}, {q.format}) at{" "}
              <code>{q.status.url}</code>
              {q.fromEnvironment && " · set by EVENTDESK_AMQP_QUEUE"}
            </p>
            <p
              className={
                ["offline", "held", "failed"].includes(q.status.state.state)
                  ? "source-state offline"
                  : "source-state"
              }
            >
              {stateText(q)}
            </p>
            <ActivityLines activity={q.status.activity} />
            {!q.fromEnvironment && (
              <div className="source-controls">
                <button
                  type="button"
                  disabled={busy}
                  onClick={() =>
                    void change(() => api.changeQueueSource(q.id, null, q.format, !q.paused))
                  }
                >
                  {q.paused ? `Resume ${q.queue}` : `Pause ${q.queue}`}
                </button>
                <button
                  type="button"
                  disabled={busy}
                  onClick={() => setEditing(editing === q.id ? null : q.id)}
                >
                  Edit {q.queue}
                </button>
                <button
                  type="button"
                  disabled={busy}
                  onClick={() => void change(() => api.removeQueueSource(q.id))}
                >
                  Stop reading {q.queue}
                </button>
              </div>
            )}
            {editing === q.id && (
              <EditQueue
                queue={q}
                busy={busy}
                onSave={(url, format) =>
                  void change(() => api.changeQueueSource(q.id, url, format, q.paused)).then(
                    (ok) => ok && setEditing(null),
                  )
                }
              />
            )}
          </li>
        ))}
      </ul>
      <form onSubmit={submit} aria-label="Read a queue">
        <label>
          URL
          <input
            type="text"
            required
            autoComplete="off"
            spellCheck={false}
            placeholder="amqp://user:password@host:5672/%2f"
            value={draft.url}
            onChange={(e) => setDraft({ ...draft, url: e.target.value })}
          />
        </label>
        <label>
          Queue
          <input
            type="text"
            required
            spellCheck={false}
            value={draft.queue}
            onChange={(e) => setDraft({ ...draft, queue: e.target.value })}
          />
        </label>
        <label>
          Kind
          <select
            value={draft.kind}
            onChange={(e) => setDraft({ ...draft, kind: e.target.value as QueueKind })}
          >
            <option value="stream">Stream (exactly once, from where it stopped)</option>
            <option value="queue">Classic or quorum queue</option>
          </select>
        </label>
        <FormatSelect value={draft.format} onChange={(format) => setDraft({ ...draft, format })} />
        <button type="submit" disabled={busy}>
          Read queue
        </button>
      </form>
      <ErrorLine error={error} />
    </div>
  );
}

/** Groups of source names, one group a line, names separated by commas. */
export function parseGroups(text: string): string[][] {
  return text
    .split("\n")
    .map((line) =>
      line
        .split(",")
        .map((name) => name.trim())
        .filter((name) => name !== ""),
    )
    .filter((group) => group.length > 0);
}

/** Which sources share dedup keys; otherwise a key belongs to the source that raised its event. */
function SharedKeys() {
  const groups = useQuery({ queryKey: queryKeys.dedupGroups, queryFn: api.dedupGroups });
  const [draft, setDraft] = useState<string | null>(null);
  const { run, busy, error } = useCommand(api.setDedupGroups, queryKeys.dedupGroups);
  if (!groups.data) return null;
  const saved = groups.data.groups;
  const save = (e: FormEvent) => {
    e.preventDefault();
    if (draft === null) return;
    void run({ groups: parseGroups(draft) }).then((ok) => ok && setDraft(null));
  };
  return (
    <div className="source" data-source="dedup">
      <h3>Shared dedup keys</h3>
      <p className="source-state">
        {saved.length === 0
          ? "Each source's dedup keys are its own: no other source can raise, acknowledge or resolve its events."
          : `Shared within each group: ${saved.map((g) => g.join(" + ")).join("; ")}.`}
      </p>
      <form aria-label="Shared dedup keys" onSubmit={save}>
        <label>
          Sources that share keys, one group a line (names as events show them, e.g. pagerduty,
          alertmanager)
          <textarea
            rows={3}
            spellCheck={false}
            value={draft ?? saved.map((g) => g.join(", ")).join("\n")}
            onChange={(e) => setDraft(e.target.value)}
          />
        </label>
        <button type="submit" disabled={busy || draft === null}>
          Save groups
        </button>
      </form>
      <ErrorLine error={error} />
    </div>
  );
}

/** The simulator, one more source: running or paused (its settings are in its own panel). */
function SimulatorSource() {
  const status = useQuery({ queryKey: queryKeys.simulator, queryFn: api.simulatorStatus });
  const { run: setSimulator, error } = useCommand(api.setSimulator, queryKeys.simulator);
  const settings = status.data?.settings;
  if (!settings) return null;
  const toggle = () => setSimulator({ ...settings, running: !settings.running });
  return (
    <div className="source" data-source="simulator">
      <h3>Simulator</h3>
      <p className="source-state">
        {settings.running ? `Running, ${settings.rate ?? 0} changes/s` : "Paused"}
      </p>
      <button type="button" onClick={() => void toggle()}>
        {settings.running ? "Pause simulator" : "Resume simulator"}
      </button>
      <ErrorLine error={error} />
    </div>
  );
}

/** Sources of events: the HTTP endpoint, RabbitMQ, who sends, and the simulator. */
export function SourcesPanel() {
  const qc = useQueryClient();
  const status = useQuery({ queryKey: queryKeys.sources, queryFn: api.sourcesStatus });
  useEffect(
    () => subscribe(events.sourcesChanged.listen, (s) => qc.setQueryData(queryKeys.sources, s)),
    [qc],
  );
  return (
    <section className="sources" aria-labelledby="sources-heading">
      <h2 id="sources-heading">Sources</h2>
      {status.isError && <p role="alert">{messageOf(status.error)}</p>}
      {status.data && (
        <>
          {!status.data.secretsKept && (
            <p className="notice">
              No system credential store: the token and RabbitMQ URLs last only until Eventdesk
              exits.
            </p>
          )}
          <HttpEndpoint status={status.data} />
          <Queues status={status.data} />
          <Senders senders={status.data.senders} />
          <SharedKeys />
          <SimulatorSource />
        </>
      )}
    </section>
  );
}
