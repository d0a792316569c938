import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  useReactTable,
  type Row,
} from "@tanstack/react-table";
import { memo, useEffect, useMemo, useRef } from "react";
import { actionLabel, actionsFor, api } from "../api";
import type { Action, Density, Event, Sort, SortKey } from "../bindings";
import { COLUMN_WIDTHS, type ColumnId } from "./columns";
import {
  actorName,
  formatDateTime,
  formatTime,
  overrideText,
  statusText,
  type OperatorNames,
} from "../format";
import { Timestamp } from "../controls";
import { markLatest } from "../marks";

const column = createColumnHelper<Event>();

type Props = {
  rows: Event[];
  /** A team's display names of its operators. */
  names: OperatorNames;
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
  /** Columns stepped aside for want of room (see `columns.ts`). */
  hidden: ReadonlySet<ColumnId>;
  density: Density;
  /** The silence that mutes each row that is muted (when the view shows them). */
  silencedBy?: ReadonlyMap<number, number>;
};

function SelectAll({
  rows,
  selected,
  onToggleAll,
}: Pick<Props, "rows" | "selected" | "onToggleAll">) {
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

/** The performance mark set when the table first shows rows. */
export const FIRST_ROWS = "eventdesk:first-rows";

const SORTABLE: Record<string, SortKey> = {
  createdAt: "time",
  updatedAt: "updated",
  severity: "severity",
};

/** What the cells read at render time: the latest sets and handlers (see `EventRow`). */
type Live = Pick<
  Props,
  "rows" | "busy" | "selected" | "onAction" | "onOpen" | "onToggle" | "onToggleAll" | "silencedBy"
>;

export function EventTable(props: Props) {
  const { rows, sort, onSort, busy, selected, current, hidden, density, names } = props;
  const compact = density === "compact";
  // Cells read the sets and handlers through this ref, so that the columns (and with them
  // every row) are rebuilt only when the layout or the sort changes; a row renders again only
  // when its event, its selection, its pending action or the cursor on it changes.
  const live = useRef<Live>(props);
  live.current = props;
  const onAction = (a: Action, e: Event) => live.current.onAction(a, e);
  const onOpen = (e: Event) => live.current.onOpen(e);
  const onToggle = (e: Event, range: boolean) => live.current.onToggle(e, range);
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
        header: () => (
          <SelectAll
            rows={live.current.rows}
            selected={live.current.selected}
            onToggleAll={live.current.onToggleAll}
          />
        ),
        cell: (c) => (
          <input
            type="checkbox"
            aria-label={`Select event ${c.row.original.id}`}
            checked={live.current.selected.has(c.row.original.id)}
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
      column.accessor("kind", {
        header: "Kind",
        cell: (c) => <code title={c.getValue()}>{c.getValue()}</code>,
      }),
      column.accessor("source", {
        header: "Source",
        cell: (c) => (
          <span
            className="cut"
            title={hidden.has("kind") ? `${c.getValue()} · ${c.row.original.kind}` : c.getValue()}
          >
            {c.getValue()}
          </span>
        ),
      }),
      column.accessor("title", {
        header: "Title",
        cell: (c) => (
          <span className="title-line">
            <button
              type="button"
              className="link"
              onClick={() => onOpen(c.row.original)}
              title={compact ? c.getValue() : "Show details and history"}
            >
              {c.getValue()}
            </button>
            {c.row.original.occurrences > 1 && (
              <span className="occurrences" title={`Raised ${c.row.original.occurrences} times`}>
                ×{c.row.original.occurrences}
              </span>
            )}
          </span>
        ),
      }),
      column.accessor("status", {
        header: "Status",
        cell: (c) => {
          const e = c.row.original;
          const note = overrideText(e, names);
          const when =
            e.completedAt !== null && e.status === "completed"
              ? formatDateTime(e.completedAt)
              : null;
          return (
            <span
              className={`status status-${e.status}`}
              data-status={e.status}
              title={[statusText(e, names), when, note].filter(Boolean).join("\n")}
            >
              <span>{statusText(e, names)}</span>
              {e.completedAt !== null && e.status === "completed" && (
                <span className="when">{formatTime(e.completedAt)}</span>
              )}
              {note && <span className="override">{note}</span>}
              {live.current.busy.has(e.id) && <span className="pending">sending…</span>}
              {live.current.silencedBy?.has(e.id) && (
                <span className="silenced-by">
                  silenced by #{live.current.silencedBy.get(e.id)}
                </span>
              )}
              {e.assignee !== null && (
                <span className="assignee-mark" data-assignee={e.assignee}>
                  {actorName(e.assignee, names)}
                </span>
              )}
              {e.snoozedUntil !== null && e.snoozedUntil > Date.now() && (
                <span className="snoozed-until">snoozed until {formatTime(e.snoozedUntil)}</span>
              )}
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
                <button
                  key={action}
                  type="button"
                  onClick={() => onAction(action, e)}
                  disabled={live.current.busy.has(e.id)}
                >
                  {actionLabel[action]}
                </button>
              ))}
            </span>
          );
        },
      }),
    ],
    // sortHeader and the handlers read `sort`, `onSort` and the ref: the list is complete.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [sort, onSort, hidden, compact, names],
  );

  const columnVisibility = useMemo(
    () => Object.fromEntries([...hidden].map((id) => [id, false])),
    [hidden],
  );
  const table = useReactTable({
    data: rows,
    columns,
    state: { columnVisibility },
    getCoreRowModel: getCoreRowModel(),
    getRowId: (r) => String(r.id),
  });

  useEffect(() => {
    // For the window benchmark and the self-check: when the first rows reached the screen.
    // The store's background work waits for this; it starts anyway a few seconds later.
    if (rows.length > 0 && performance.getEntriesByName(FIRST_ROWS).length === 0) {
      performance.mark(FIRST_ROWS);
      void api.firstRowsShown().catch(() => undefined);
    }
  }, [rows.length]);
  useEffect(() => markLatest("eventdesk:rows"), [rows]);

  useEffect(() => {
    if (current === null) return;
    document
      .querySelector(`tr[data-event-id="${current}"]`)
      ?.scrollIntoView?.({ block: "nearest" });
  }, [current]);

  return (
    <table className={`events density-${density}`}>
      <colgroup>
        {table.getVisibleLeafColumns().map((c) => (
          <col
            key={c.id}
            className={`col-${c.id}`}
            style={{
              width:
                c.id === "title" ? undefined : COLUMN_WIDTHS[c.id as Exclude<ColumnId, "title">],
            }}
          />
        ))}
      </colgroup>
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
          <EventRow
            key={row.id}
            row={row}
            columns={columns}
            selected={selected.has(row.original.id)}
            busy={busy.has(row.original.id)}
            current={current === row.original.id}
            silencedBy={props.silencedBy?.get(row.original.id)}
            onOpen={onOpen}
          />
        ))}
        {rows.length === 0 && (
          <tr>
            <td colSpan={table.getVisibleLeafColumns().length} className="empty">
              No events to show. New events appear here as they happen.
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

type RowProps = {
  row: Row<Event>;
  /** Only compared: new columns (layout, sort) render every row again. */
  columns: unknown;
  selected: boolean;
  busy: boolean;
  current: boolean;
  /** The silence muting it, if any. */
  silencedBy: number | undefined;
  onOpen: (event: Event) => void;
};

/** One row; rendered again only when what it shows changed. */
const EventRow = memo(
  function EventRow({ row, selected, current, silencedBy, onOpen }: RowProps) {
    const e = row.original;
    return (
      <tr
        data-event-id={e.id}
        data-kind={e.kind}
        data-version={e.version}
        data-created-at={e.createdAt}
        data-updated-at={e.updatedAt}
        data-current={current ? "true" : undefined}
        data-silenced-by={silencedBy}
        data-snoozed-until={e.snoozedUntil ?? undefined}
        className={`row-${e.status}${selected ? " selected" : ""}${silencedBy ? " silenced" : ""}`}
        onClick={(click) => {
          // A click on the row itself (not on one of its controls) opens its details.
          if (!(click.target as HTMLElement).closest("button, input, a, select")) onOpen(e);
        }}
      >
        {row.getVisibleCells().map((cell) => (
          <td key={cell.id} className={`col-${cell.column.id}`}>
            {flexRender(cell.column.columnDef.cell, cell.getContext())}
          </td>
        ))}
      </tr>
    );
  },
  (a, b) =>
    a.row.original === b.row.original &&
    a.columns === b.columns &&
    a.selected === b.selected &&
    a.busy === b.busy &&
    a.current === b.current &&
    a.silencedBy === b.silencedBy,
);
