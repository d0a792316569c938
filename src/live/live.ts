// Applying pushed change sets to a page the UI holds. Pure functions, tested without a window.
import type { ChangeSet, Event, Page } from "../bindings";

export type Applied =
  /** The page is current up to `page.seq`; `newEvents` were created that this page does not show. */
  | { kind: "applied"; page: Page; newEvents: number }
  /** The set is older than the page: nothing to do. */
  | { kind: "stale" }
  /** Changes between the page and the set are missing: the page must be read again. */
  | { kind: "gap" };

/**
 * Folds `set` into `page`. Rows on the page are replaced by newer versions in place. On page 1,
 * events created in the set appear at the top and the page keeps its size; on later pages rows
 * stay where they are and the new events are only counted.
 */
export function applyChangeSet(page: Page, set: ChangeSet): Applied {
  if (set.toSeq <= page.seq) return { kind: "stale" };
  // A gap, or a set too large to carry its rows (another program changed many events).
  if (set.fromSeq > page.seq + 1 || set.reload) return { kind: "gap" };

  const changed = new Map<number, Event>(set.rows.map((r) => [r.id, r]));
  let rows = page.rows.map((row) => {
    const next = changed.get(row.id);
    return next && next.version > row.version ? next : row;
  });

  const onPage = new Set(rows.map((r) => r.id));
  const created = set.created.filter((id) => !onPage.has(id));
  let newEvents = created.length;
  let next = page.next;
  // Only the true top of the view (nothing before it) takes new events in.
  if (page.prev === null && created.length > 0) {
    const fresh = created.map((id) => changed.get(id)).filter((r): r is Event => r !== undefined);
    const merged = [...fresh, ...rows].sort((a, b) => b.id - a.id);
    rows = merged.slice(0, page.pageSize);
    const last = rows.at(-1);
    // Rows pushed off the bottom now follow the page: Next must start after its new last row.
    if (merged.length > rows.length && last) next = { at: "after", value: last.id, id: last.id };
    newEvents = 0;
  }
  return {
    kind: "applied",
    page: { ...page, rows, total: set.total, seq: set.toSeq, next },
    newEvents,
  };
}

/** Replaces one row with a newer version of it, if the page shows it. */
export function replaceRow(page: Page, event: Event): Page {
  if (!page.rows.some((r) => r.id === event.id && r.version < event.version)) return page;
  return { ...page, rows: page.rows.map((r) => (r.id === event.id ? event : r)) };
}

export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

/** The most pushed sets held while live updates are paused; past that only their count is kept. */
export const MAX_HELD = 500;

/** Pushes held while live updates are paused. */
export type Held = {
  sets: ChangeSet[];
  /** How many changes they hold. */
  changes: number;
  /** More came than are kept: the page is read again on resume instead. */
  overflow: boolean;
};

export const noneHeld: Held = { sets: [], changes: 0, overflow: false };

/** Holds `set` (bounded: memory stays flat however long the operator pauses). */
export function hold(held: Held, set: ChangeSet): Held {
  const changes = held.changes + (set.toSeq - set.fromSeq + 1);
  if (held.overflow || held.sets.length >= MAX_HELD) return { sets: [], changes, overflow: true };
  return { sets: [...held.sets, set], changes, overflow: false };
}
