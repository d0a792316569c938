import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { api, messageOf } from "./api";
import type { Change } from "./bindings";
import { formatDateTime, statusText } from "./format";

function describe(c: Change): string {
  if (c.field === "created") return `created (${c.to})`;
  return `${c.field}: ${c.from ?? "—"} → ${c.to}`;
}

/** The event's record and change history, from the change log. */
export function EventHistory({ id, onClose }: { id: number; onClose: () => void }) {
  const detail = useQuery({ queryKey: ["event", id], queryFn: () => api.getEvent(id) });
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [id]);

  return (
    <aside className="history" aria-labelledby="history-heading">
      <header>
        <h2 id="history-heading" tabIndex={-1} ref={heading}>
          Event #{id}
        </h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      {detail.isPending && <p>Loading…</p>}
      {detail.isError && <p role="alert">{messageOf(detail.error)}</p>}
      {detail.data && (
        <>
          <p className="history-title">{detail.data.event.title}</p>
          <p>
            {detail.data.event.severity} · {statusText(detail.data.event)} · version {detail.data.event.version}
          </p>
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
