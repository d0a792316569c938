import { useQuery } from "@tanstack/react-query";
import { useContext, useEffect, useRef, useState } from "react";
import { actionLabel, actionsFor, api, messageOf } from "../api";
import {
  HISTORY_PAGE,
  type Action,
  type Change,
  type Event,
  type EventDetail,
  type HistoryPage,
  type Label,
} from "../bindings";
import { actorLabel, actorName, formatDateTime, overrideText, statusText } from "../format";
import { OperatorNamesContext } from "../team/TeamPanel";
import { queryKeys } from "../queryKeys";
import { ErrorLine } from "../controls";
import { matchersText } from "../silences/SilencesPanel";
import { AssignControl } from "./Assign";
import { NoteForm } from "./Notes";
import { SnoozeControl } from "./Snooze";

function describe(c: Change): string {
  if (c.field === "created") return `created (${c.to})`;
  if (c.field === "occurred") return `raised it again (${c.to} times)`;
  if (c.field === "snoozed")
    return c.to === "" ? "woke it" : `snoozed it until ${formatDateTime(Number(c.to))}`;
  if (c.field === "status" && c.actor === "timer:ack-timeout")
    return "reopened it: not completed in time";
  if (c.field === "status" && c.actor === "timer:expiry")
    return "completed it: no change for too long";
  if (c.field === "note") return "left a note:";
  if (c.field === "assignee") {
    if (c.to === "")
      return c.from && c.from !== c.actor
        ? `released it (was ${actorName(c.from)})`
        : "released it";
    return c.to === c.actor ? "took it" : `assigned it to ${actorName(c.to)}`;
  }
  return `${c.field}: ${c.from ?? "—"} → ${c.to}`;
}

/** A JSON value as text: strings as they are, anything else as compact JSON. */
function plain(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * What the source sent beyond the title: labels, annotations, custom details. Objects one
 * level deep are shown as their own key-value lists; everything is text (never markup).
 */
function Details({ text }: { text: string }) {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return <pre className="details-raw">{text}</pre>;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return <pre className="details-raw">{plain(value)}</pre>;
  }
  return (
    <dl className="details" aria-label="Details from the source">
      {Object.entries(value).map(([key, inner]) => (
        <div key={key} className="details-entry">
          <dt>{key}</dt>
          <dd>
            {typeof inner === "object" && inner !== null && !Array.isArray(inner) ? (
              <dl className="details-inner">
                {Object.entries(inner).map(([k, v]) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd>{plain(v)}</dd>
                  </div>
                ))}
              </dl>
            ) : (
              plain(inner)
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** Where the event came from: its key, how often it was raised, its links and details. */
function FromSource({ detail }: { detail: EventDetail }) {
  const e = detail.event;
  const [error, setError] = useState<string | null>(null);
  if (
    e.dedupKey === null &&
    e.teamKey === null &&
    detail.links.length === 0 &&
    detail.details === null
  )
    return null;
  return (
    <section className="from-source" aria-label="From the source">
      <h3>From the source</h3>
      <dl className="record">
        {e.teamKey !== null && (
          <>
            <dt>Team key</dt>
            <dd>
              <code>{e.teamKey}</code>
            </dd>
          </>
        )}
        {e.dedupKey !== null && (
          <>
            <dt>Dedup key</dt>
            <dd>
              <code>{e.dedupKey}</code>
            </dd>
          </>
        )}
        <dt>Raised</dt>
        <dd>
          {e.occurrences === 1 ? "once" : `${e.occurrences} times`}, last{" "}
          {formatDateTime(e.lastSeenAt)}
        </dd>
      </dl>
      {detail.links.length > 0 && (
        <ul className="links" aria-label="Links">
          {detail.links.map((l, i) => (
            <li key={`${i}-${l.href}`}>
              <button
                type="button"
                className="link"
                title={l.href}
                onClick={() => {
                  setError(null);
                  api.openLink(e.id, i).catch((err: unknown) => setError(messageOf(err)));
                }}
              >
                {l.text ?? l.href}
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorLine error={error} />
      {detail.details !== null && <Details text={detail.details} />}
    </section>
  );
}

/**
 * Matchers for events like this one: its labels when it has any (an Alertmanager alert is its
 * labels), otherwise its source and kind.
 */
export function similar(detail: EventDetail): string {
  const is = (name: string, value: string) => ({ name, op: "=" as const, value });
  return matchersText(
    detail.labels.length > 0
      ? detail.labels
          .filter((l) => /^[\p{L}\p{N}_.\-:/@]+$/u.test(l.key))
          .map((l) => is(`label.${l.key}`, l.value))
      : [is("source", detail.event.source), is("kind", detail.event.kind)],
  );
}

/** The event's labels, each a button that shows only the events carrying it. */
function Labels({ labels, onLabel }: { labels: Label[]; onLabel: (label: Label) => void }) {
  if (labels.length === 0) return null;
  return (
    <section className="labels" aria-label="Labels">
      <h3>Labels</h3>
      <ul className="label-list">
        {labels.map((l) => (
          <li key={l.key}>
            <button
              type="button"
              className="label-chip"
              aria-label={`Show only events with ${l.key}=${l.value}`}
              title={`Show only events with ${l.key}=${l.value}`}
              onClick={() => onLabel(l)}
            >
              <span className="label-key">{l.key}</span>=
              <span className="label-value">{l.value}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * The timeline: the latest page of changes that came with the detail, and earlier pages on
 * demand. Earlier pages are kept while they join the latest one without a gap (new changes
 * move the latest page on; then they are read again from the button).
 */
function Timeline({ detail }: { detail: EventDetail }) {
  const names = useContext(OperatorNamesContext);
  const id = detail.event.id;
  const [earlier, setEarlier] = useState<HistoryPage | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setEarlier(null), [id]);
  const joined =
    earlier !== null && detail.older === earlier.changes.length + earlier.older ? earlier : null;
  const changes = joined ? [...joined.changes, ...detail.history] : detail.history;
  const older = joined ? joined.older : detail.older;
  const first = changes[0];
  // A snooze whose time passed ended then, by itself: no change marks it, the time does.
  const until = detail.event.snoozedUntil;
  const back = until !== null && until <= Date.now() ? until : null;
  const loadEarlier = () => {
    if (!first) return;
    setLoading(true);
    setError(null);
    api
      .eventHistory(id, first.seq, HISTORY_PAGE)
      .then((page) =>
        setEarlier({ changes: [...page.changes, ...(joined?.changes ?? [])], older: page.older }),
      )
      .catch((err: unknown) => setError(messageOf(err)))
      .finally(() => setLoading(false));
  };
  return (
    <>
      <h3>Timeline</h3>
      {older > 0 && (
        <button type="button" className="earlier" disabled={loading} onClick={loadEarlier}>
          Show {Math.min(older, HISTORY_PAGE)} earlier changes ({older} before these)
        </button>
      )}
      <ErrorLine error={error} />
      <ol className="timeline" aria-label="History">
        {changes.map((c) => (
          <li key={c.seq} data-seq={c.seq} data-actor={c.actor} data-field={c.field}>
            <time dateTime={new Date(c.at).toISOString()}>{formatDateTime(c.at)}</time>{" "}
            <strong>{actorLabel(c.actor, names)}</strong> {describe(c)}
            {c.field === "note" && <p className="note-text">{c.to}</p>}
          </li>
        ))}
        {back !== null && (
          <li className="came-back" data-came-back={back}>
            <time dateTime={new Date(back).toISOString()}>{formatDateTime(back)}</time> came back
            from its snooze
          </li>
        )}
      </ol>
    </>
  );
}

type Props = {
  id: number;
  busy: boolean;
  onAction: (action: Action, event: Event) => void;
  /** Filters the table by one of the event's labels. */
  onLabel: (label: Label) => void;
  /** Starts a new silence from these matchers (written). */
  onSilence: (matchers: string) => void;
  onClose: () => void;
};

/** The event's full record and its timeline from the change log (paged); read again when a push touches it (live/cacheFeed.ts). */
export function DetailPane({ id, busy, onAction, onLabel, onSilence, onClose }: Props) {
  const names = useContext(OperatorNamesContext);
  const detail = useQuery({ queryKey: queryKeys.event(id), queryFn: () => api.getEvent(id) });
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [id]);
  const e = detail.data?.event;

  return (
    <aside className="detail" aria-labelledby="detail-heading">
      <header>
        <h2 id="detail-heading" tabIndex={-1} ref={heading}>
          Event #{id}
        </h2>
        <button type="button" onClick={onClose} aria-label="Close details">
          Close
        </button>
      </header>
      {detail.isPending && <p>Loading…</p>}
      {detail.isError && <p role="alert">{messageOf(detail.error)}</p>}
      {e && detail.data && (
        <>
          <p className="detail-title">{e.title}</p>
          <dl className="record">
            <dt>Severity</dt>
            <dd>
              <span className={`severity severity-${e.severity}`}>{e.severity}</span>
            </dd>
            <dt>Status</dt>
            <dd data-status={e.status}>
              {statusText(e, names)}
              {overrideText(e, names) && (
                <span className="override"> · {overrideText(e, names)}</span>
              )}
            </dd>
            <dt>Kind</dt>
            <dd>
              <code>{e.kind}</code>
            </dd>
            <dt>Source</dt>
            <dd>{e.source}</dd>
            <dt>Created</dt>
            <dd>{formatDateTime(e.createdAt)}</dd>
            <dt>Last change</dt>
            <dd>
              {formatDateTime(e.updatedAt)} by {actorLabel(e.updatedBy, names)}
            </dd>
            <dt>Version</dt>
            <dd>{e.version}</dd>
          </dl>
          <div className="detail-actions">
            {actionsFor(e).map((action) => (
              <button
                key={action}
                type="button"
                disabled={busy}
                onClick={() => onAction(action, e)}
              >
                {actionLabel[action]}
              </button>
            ))}
            <button type="button" onClick={() => onSilence(similar(detail.data))}>
              Silence similar…
            </button>
          </div>
          <AssignControl event={e} />
          <SnoozeControl event={e} />
          <Labels labels={detail.data.labels} onLabel={onLabel} />
          <FromSource detail={detail.data} />
          <Timeline detail={detail.data} />
          <NoteForm id={id} />
        </>
      )}
    </aside>
  );
}
