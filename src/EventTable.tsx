import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from "@tanstack/react-table";
import { useEffect, useMemo, useRef } from "react";
import { actionLabel, actionsFor } from "./api";
import type { Action, Event, Sort, SortKey } from "./bindings";
import { formatTime, overrideText, statusText } from "./format";
import { Timestamp } from "./controls";

const column = createColumnHelper<Event>();

type Props = {
  rows: Event[];
  sort: Sort;
  onSort: (by: SortKey) => void;
  busy: ReadonlySet<number>;
  selected: ReadonlySet<number>;
  current: number | null;
  onAction: (action: Action, event: Event) => void;
  onOpen: (event: Event) => void;
  /** `range` when the user shift-clicked: select everything from the last click to here. */
  onToggle: (event: Event, range: boolean) => void;
  onToggleAll: (select: boolean) => void;
};

function SelectAll({ rows, selected, onToggleAll }: Pick<Props, "rows" | "selected" | "onToggleAll">) {
  const ref = useRef<HTMLInputElement>(null);
  const count = rows.filter((r) => selected.has(r.id)).length;
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = count > 0 && count < rows.length;
  }, [count, rows.length]);
  return (
    <input
      ref={ref}
      type="checkbox"
      aria-label="Select all on this page"
      checked={rows.length > 0 && count === rows.length}
      onChange={(e) => onToggleAll(e.target.checked)}
    />
  );
}

const SORTABLE: Record<string, SortKey> = { createdAt: "time", updatedAt: "updated", severity: "severity" };

export function EventTable({ rows, sort, onSort, busy, selected, current, onAction, onOpen, onToggle, onToggleAll }: Props) {
  const sortHeader = (label: string, by: SortKey) => () => (
    <button type="button" className="sort" onClick={() => onSort(by)}>
      {label}
      <span aria-hidden="true">{sort.by === by ? (sort.descending ? " ▼" : " ▲") : ""}</span>
    </button>
  );
  const columns = useMemo(
    () => [
      column.display({
        id: "select",
        header: () => <SelectAll rows={rows} selected={selected} onToggleAll={onToggleAll} />,
        cell: (c) => (
          <input
            type="checkbox"
            aria-label={`Select event ${c.row.original.id}`}
            checked={selected.has(c.row.original.id)}
            onChange={() => undefined}
            onClick={(e) => onToggle(c.row.original, e.shiftKey)}
          />
        ),
      }),
      column.accessor("createdAt", {
        header: sortHeader("Time", "time"),
        cell: (c) => <Timestamp at={c.getValue()} />,
      }),
      column.accessor("severity", {
        header: sortHeader("Severity", "severity"),
        cell: (c) => <span className={`severity severity-${c.getValue()}`}>{c.getValue()}</span>,
      }),
      column.accessor("kind", { header: "Kind", cell: (c) => <code>{c.getValue()}</code> }),
      column.accessor("source", { header: "Source" }),
      column.accessor("title", {
        header: "Title",
        cell: (c) => (
          <>
            <button type="button" className="link" onClick={() => onOpen(c.row.original)} title="Show details and history">
              {c.getValue()}
            </button>
            {c.row.original.occurrences > 1 && (
              <span className="occurrences" title={`Raised ${c.row.original.occurrences} times`}>
                ×{c.row.original.occurrences}
              </span>
            )}
          </>
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
              {busy.has(e.id) && <span className="pending">sending…</span>}
            </span>
          );
        },
      }),
      column.accessor("updatedAt", {
        header: sortHeader("Updated", "updated"),
        cell: (c) => <Timestamp at={c.getValue()} />,
      }),
      column.display({
        id: "action",
        header: "Action",
        cell: (c) => {
          const e = c.row.original;
          return (
            <span className="actions">
              {actionsFor(e).map((action) => (
                <button key={action} type="button" onClick={() => onAction(action, e)} disabled={busy.has(e.id)}>
                  {actionLabel[action]}
                </button>
              ))}
            </span>
          );
        },
      }),
    ],
    // sortHeader is rebuilt each render from `sort` and `onSort`, which are listed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [rows, sort, onSort, busy, selected, onAction, onOpen, onToggle, onToggleAll],
  );

  const table = useReactTable({ data: rows, columns, getCoreRowModel: getCoreRowModel(), getRowId: (r) => String(r.id) });

  useEffect(() => {
    if (current === null) return;
    document.querySelector(`tr[data-event-id="${current}"]`)?.scrollIntoView?.({ block: "nearest" });
  }, [current]);

  return (
    <table className="events">
      <thead>
        {table.getHeaderGroups().map((group) => (
          <tr key={group.id}>
            {group.headers.map((h) => (
              <th
                key={h.id}
                scope="col"
                className={`col-${h.column.id}`}
                aria-sort={
                  SORTABLE[h.column.id] === undefined
                    ? undefined
                    : SORTABLE[h.column.id] === sort.by
                      ? sort.descending
                        ? "descending"
                        : "ascending"
                      : "none"
                }
              >
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
            data-current={current === row.original.id ? "true" : undefined}
            className={`row-${row.original.status}${selected.has(row.original.id) ? " selected" : ""}`}
            onClick={(e) => {
              // A click on the row itself (not on one of its controls) opens its details.
              if (!(e.target as HTMLElement).closest("button, input, a, select")) onOpen(row.original);
            }}
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
            <td colSpan={9} className="empty">
              No events to show. New events appear here as they happen.
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
