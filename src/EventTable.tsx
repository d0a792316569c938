import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from "@tanstack/react-table";
import { useMemo } from "react";
import type { Event } from "./bindings";
import { formatDateTime, formatTime, overrideText, statusText } from "./format";

const column = createColumnHelper<Event>();

type Props = {
  rows: Event[];
  busy: ReadonlySet<number>;
  onComplete: (event: Event) => void;
  onOpen: (event: Event) => void;
};

export function EventTable({ rows, busy, onComplete, onOpen }: Props) {
  const columns = useMemo(
    () => [
      column.accessor("createdAt", {
        header: "Time",
        cell: (c) => (
          <time dateTime={new Date(c.getValue()).toISOString()} title={formatDateTime(c.getValue())}>
            {formatTime(c.getValue())}
          </time>
        ),
      }),
      column.accessor("severity", {
        header: "Severity",
        cell: (c) => <span className={`severity severity-${c.getValue()}`}>{c.getValue()}</span>,
      }),
      column.accessor("kind", { header: "Kind", cell: (c) => <code>{c.getValue()}</code> }),
      column.accessor("source", { header: "Source" }),
      column.accessor("title", {
        header: "Title",
        cell: (c) => (
          <button
            type="button"
            className="link"
            onClick={() => onOpen(c.row.original)}
            title="Show this event's history"
          >
            {c.getValue()}
          </button>
        ),
      }),
      column.accessor("status", {
        header: "Status",
        cell: (c) => {
          const e = c.row.original;
          const note = overrideText(e);
          return (
            <span className={`status status-${e.status}`} data-status={e.status}>
              <span>{statusText(e)}</span>
              {e.completedAt !== null && e.status === "completed" && (
                <span className="when">{formatTime(e.completedAt)}</span>
              )}
              {note && <span className="override">{note}</span>}
            </span>
          );
        },
      }),
      column.display({
        id: "action",
        header: "Action",
        cell: (c) => {
          const e = c.row.original;
          if (e.status === "completed") return null;
          return (
            <button type="button" onClick={() => onComplete(e)} disabled={busy.has(e.id)}>
              Complete
            </button>
          );
        },
      }),
    ],
    [busy, onComplete, onOpen],
  );

  const table = useReactTable({ data: rows, columns, getCoreRowModel: getCoreRowModel(), getRowId: (r) => String(r.id) });

  return (
    <table className="events">
      <thead>
        {table.getHeaderGroups().map((group) => (
          <tr key={group.id}>
            {group.headers.map((h) => (
              <th key={h.id} scope="col" className={`col-${h.column.id}`}>
                {flexRender(h.column.columnDef.header, h.getContext())}
              </th>
            ))}
          </tr>
        ))}
      </thead>
      <tbody>
        {table.getRowModel().rows.map((row) => (
          <tr
            key={row.id}
            data-event-id={row.original.id}
            data-version={row.original.version}
            data-created-at={row.original.createdAt}
            className={`row-${row.original.status}`}
          >
            {row.getVisibleCells().map((cell) => (
              <td key={cell.id} className={`col-${cell.column.id}`}>
                {flexRender(cell.column.columnDef.cell, cell.getContext())}
              </td>
            ))}
          </tr>
        ))}
        {rows.length === 0 && (
          <tr>
            <td colSpan={7} className="empty">
              No events yet. New events appear here as they happen.
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
