// Where events come in from: the loopback HTTP endpoint (PagerDuty Events v2 and Alertmanager)
// and RabbitMQ queues or streams. Their state is pushed by Rust as it changes.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { api, messageOf } from "./api";
import { events, type Counts, type Format, type QueueKind, type QueueView, type SourcesStatus } from "./bindings";
import { ErrorLine } from "./controls";
import { formatDateTime } from "./format";
import { queryKeys } from "./queryKeys";
import { subscribe } from "./subscribe";

function countsText(c: Counts): string {
  const parts = [`${c.applied.toLocaleString("en-US")} applied`];
  if (c.rejected > 0) parts.push(`${c.rejected.toLocaleString("en-US")} rejected`);
  if (c.duplicates > 0) parts.push(`${c.duplicates.toLocaleString("en-US")} repeated deliveries skipped`);
  return `${parts.join(", ")} · ${c.created.toLocaleString("en-US")} opened, ${c.updated.toLocaleString("en-US")} raised again, ${c.completed.toLocaleString("en-US")} resolved`;
}

function stateText(q: QueueView): string {
  const s = q.status.state;
  switch (s.state) {
    case "connecting":
      return "Connecting…";
    case "connected":
      return `Connected since ${formatDateTime(s.since)}`;
    case "offline":
      return `Offline since ${formatDateTime(s.since)}: ${s.error} (trying again)`;
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
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  const apply = (enabled: boolean) =>
    run(async () => {
      qc.setQueryData(queryKeys.sources, await api.setHttpEndpoint(enabled, Number(port ?? http.port)));
      setPort(null);
    });
  return (
    <div className="source" data-source="http">
      <h3>HTTP endpoint</h3>
      <p className="source-state" data-listening={http.listening !== null}>
        {http.listening ? `Listening on ${http.listening}` : http.enabled ? "Not listening" : "Off"}
        {http.fromEnvironment && " · set by EVENTDESK_HTTP_PORT"}
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
          <button type="button" disabled={busy} onClick={() => void apply(!http.enabled || port !== null)}>
            {http.enabled && port === null ? "Turn off" : http.enabled ? "Apply port" : "Turn on"}
          </button>
        )}
        <button type="button" disabled={busy} onClick={() => void run(async () => setToken(token === null ? await api.httpToken() : null))}>
          {token === null ? "Show token" : "Hide token"}
        </button>
        <button type="button" disabled={busy || http.fromEnvironment} onClick={() => void run(async () => setToken(await api.newHttpToken()))}>
          New token
        </button>
      </div>
      {token !== null && (
        <p className="token">
          Senders authenticate with <code>Authorization: Bearer {token}</code> (PagerDuty senders may give it as the routing key).
        </p>
      )}
      {http.listening && (
        <p className="source-counts">
          {countsText(http.counts)}
          {http.lastRejection && <span className="last-rejection"> · last rejected: {http.lastRejection}</span>}
        </p>
      )}
      <ErrorLine error={error} />
    </div>
  );
}

type Draft = { url: string; queue: string; kind: QueueKind; format: Format };
const EMPTY: Draft = { url: "", queue: "", kind: "stream", format: "auto" };

/** The queues read, and a form to add one. */
function Queues({ status }: { status: SourcesStatus }) {
  const qc = useQueryClient();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const change = async (work: () => Promise<SourcesStatus>) => {
    setBusy(true);
    setError(null);
    try {
      qc.setQueryData(queryKeys.sources, await work());
      return true;
    } catch (e) {
      setError(messageOf(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void change(() => api.addQueueSource(draft.url, draft.queue, draft.kind, draft.format)).then((ok) => ok && setDraft(EMPTY));
  };
  return (
    <div className="source" data-source="rabbitmq">
      <h3>RabbitMQ</h3>
      {status.queues.length === 0 && <p className="source-state">No queues are read.</p>}
      <ul className="queues" aria-label="Queues">
        {status.queues.map((q) => (
          <li key={q.id} data-queue={q.queue} data-state={q.status.state.state}>
            <p>
              <strong>{q.queue}</strong> ({q.status.kind}, {q.format}) at <code>{q.status.url}</code>
              {q.fromEnvironment && " · set by EVENTDESK_AMQP_QUEUE"}
            </p>
            <p className={q.status.state.state === "offline" ? "source-state offline" : "source-state"}>{stateText(q)}</p>
            <p className="source-counts">
              {countsText(q.status.counts)}
              {q.status.lastRejection && <span className="last-rejection"> · last rejected: {q.status.lastRejection}</span>}
            </p>
            {!q.fromEnvironment && (
              <button type="button" disabled={busy} onClick={() => void change(() => api.removeQueueSource(q.id))}>
                Stop reading {q.queue}
              </button>
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
          <input type="text" required spellCheck={false} value={draft.queue} onChange={(e) => setDraft({ ...draft, queue: e.target.value })} />
        </label>
        <label>
          Kind
          <select value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.target.value as QueueKind })}>
            <option value="stream">Stream (exactly once, from where it stopped)</option>
            <option value="queue">Classic or quorum queue</option>
          </select>
        </label>
        <label>
          Messages
          <select value={draft.format} onChange={(e) => setDraft({ ...draft, format: e.target.value as Format })}>
            <option value="auto">PagerDuty or Alertmanager</option>
            <option value="pagerduty">PagerDuty Events v2</option>
            <option value="alertmanager">Alertmanager webhook</option>
          </select>
        </label>
        <button type="submit" disabled={busy}>
          Read queue
        </button>
      </form>
      <ErrorLine error={error} />
    </div>
  );
}

/** Sources of events: the HTTP endpoint and RabbitMQ. */
export function SourcesPanel() {
  const qc = useQueryClient();
  const status = useQuery({ queryKey: queryKeys.sources, queryFn: api.sourcesStatus });
  useEffect(() => subscribe(events.sourcesChanged.listen, (s) => qc.setQueryData(queryKeys.sources, s)), [qc]);
  return (
    <section className="sources" aria-labelledby="sources-heading">
      <h2 id="sources-heading">Sources</h2>
      {status.isError && <p role="alert">{messageOf(status.error)}</p>}
      {status.data && (
        <>
          {!status.data.secretsKept && (
            <p className="notice">No system credential store: the token and RabbitMQ URLs last only until Eventdesk exits.</p>
          )}
          <HttpEndpoint status={status.data} />
          <Queues status={status.data} />
        </>
      )}
    </section>
  );
}
