import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { actionLabel, actionsFor, api, messageOf } from "./api";
import type { Action, Change, Event } from "./bindings";
import { formatDateTime, overrideText, statusText } from "./format";
import { onPush } from "./pushes";
import { queryKeys } from "./queryKeys";

function describe(c: Change): string {
  if (c.field === "created") return `created (${c.to})`;
  return `${c.field}: ${c.from ?? "—"} → ${c.to}`;
}

type Props = {
  id: number;
  busy: boolean;
  onAction: (action: Action, event: Event) => void;
  onClose: () => void;
};

/** The event's full record and its timeline from the change log; refreshed by every push that touches it. */
export function DetailPane({ id, busy, onAction, onClose }: Props) {
  const qc = useQueryClient();
  const detail = useQuery({ queryKey: queryKeys.event(id), queryFn: () => api.getEvent(id) });
  useEffect(
    () =>
      onPush((set) => {
        if (set.rows.some((r) => r.id === id)) void qc.invalidateQueries({ queryKey: queryKeys.event(id) });
      }),
    [qc, id],
  );
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
              {statusText(e)}
              {overrideText(e) && <span className="override"> · {overrideText(e)}</span>}
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
              {formatDateTime(e.updatedAt)} by {e.updatedBy === "user" ? "you" : "simulator"}
            </dd>
            <dt>Version</dt>
            <dd>{e.version}</dd>
          </dl>
          <div className="detail-actions">
            {actionsFor(e).map((action) => (
              <button key={action} type="button" disabled={busy} onClick={() => onAction(action, e)}>
                {actionLabel[action]}
              </button>
            ))}
          </div>
          <h3>Timeline</h3>
          <ol className="timeline" aria-label="History">
            {detail.data.history.map((c) => (
              <li key={c.seq} data-seq={c.seq} data-actor={c.actor}>
                <time dateTime={new Date(c.at).toISOString()}>{formatDateTime(c.at)}</time>{" "}
                <strong>{c.actor === "user" ? "you" : "simulator"}</strong> {describe(c)}
              </li>
            ))}
          </ol>
        </>
      )}
    </aside>
  );
}
