import { useCallback, useState } from "react";
import { CommandError, api, messageOf } from "./api";
import type { Event } from "./bindings";
import { EventHistory } from "./EventHistory";
import { EventTable } from "./EventTable";
import { pageCount } from "./live";
import { useNotices } from "./notices";
import { Pagination } from "./Pagination";
import { useLivePage } from "./useLivePage";

export function App() {
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(50);
  const [busy, setBusy] = useState<ReadonlySet<number>>(new Set());
  const [openId, setOpenId] = useState<number | null>(null);
  const { notices, push, dismiss } = useNotices();
  const { query, newEvents, showRow } = useLivePage(page, pageSize);
  const data = query.data;

  const complete = useCallback(
    async (event: Event) => {
      setBusy((b) => new Set(b).add(event.id));
      try {
        showRow(await api.completeEvent(event.id, event.version));
      } catch (e) {
        if (e instanceof CommandError && e.error.type === "Conflict") {
          showRow(e.error.data.current);
          push("warning", e.message);
        } else {
          push("error", `Could not complete event #${event.id}: ${messageOf(e)}`);
        }
      } finally {
        setBusy((b) => {
          const next = new Set(b);
          next.delete(event.id);
          return next;
        });
      }
    },
    [push, showRow],
  );

  const openHistory = useCallback((event: Event) => setOpenId(event.id), []);
  const total = data?.total ?? 0;
  const goTo = (p: number) => setPage(Math.min(Math.max(1, p), pageCount(total, pageSize)));

  return (
    <div className="app">
      <header className="topbar">
        <h1>Eventdesk</h1>
        <span className="live" title="Changes are pushed as they are committed">
          <span className="dot" aria-hidden="true" /> Live
        </span>
      </header>

      <section className="notices" aria-label="Messages">
        {query.isError && (
          <div className="notice notice-error" role="alert">
            Could not load events: {messageOf(query.error)}
          </div>
        )}
        {notices.map((n) => (
          <div key={n.id} className={`notice notice-${n.tone}`} role="alert">
            <span>{n.text}</span>
            <button type="button" onClick={() => dismiss(n.id)}>
              Dismiss
            </button>
          </div>
        ))}
      </section>

      <main className={openId === null ? "content" : "content with-history"}>
        <section className="table-area" aria-label="Events">
          {newEvents > 0 && page !== 1 && (
            <button type="button" className="new-events" onClick={() => setPage(1)}>
              {newEvents} new {newEvents === 1 ? "event" : "events"}
            </button>
          )}
          {data ? (
            <EventTable rows={data.rows} busy={busy} onComplete={complete} onOpen={openHistory} />
          ) : (
            !query.isError && <p className="loading">Loading events…</p>
          )}
          <Pagination
            page={page}
            pageSize={pageSize}
            total={total}
            onPage={goTo}
            onPageSize={(size) => {
              setPageSize(size);
              setPage(1);
            }}
          />
        </section>
        {openId !== null && <EventHistory id={openId} onClose={() => setOpenId(null)} />}
      </main>
    </div>
  );
}
