// How the table shares its width. Every column but the title has a width sized to what it holds
// (a time, a severity badge, the action buttons); the title takes the rest. When the table is
// narrow (a small window, the detail pane open), the columns that matter least step aside one by
// one until the title has at least `TITLE_SHARE` of the width: Kind first, then Updated, then
// Source. What a hidden column said stays one click away in the detail pane.
import { useLayoutEffect, useState, type RefObject } from "react";

export type ColumnId =
  | "select"
  | "createdAt"
  | "severity"
  | "kind"
  | "source"
  | "title"
  | "status"
  | "updatedAt"
  | "action";

/** Widths in CSS pixels of every column but the title. */
export const COLUMN_WIDTHS: Record<Exclude<ColumnId, "title">, number> = {
  select: 32,
  createdAt: 116,
  severity: 84,
  kind: 132,
  source: 112,
  status: 140,
  updatedAt: 116,
  // "Acknowledge" and "Complete" side by side.
  action: 196,
};

/** The least the title gets of the table's width, while a column can still step aside. */
export const TITLE_SHARE = 0.35;

/** The order in which columns step aside when the table is narrow. */
export const STEP_ASIDE: readonly ColumnId[] = ["kind", "updatedAt", "source"];

/** The columns hidden at this table width, and the width the title is left with. */
export function columnLayout(tableWidth: number): {
  hidden: ReadonlySet<ColumnId>;
  titleWidth: number;
} {
  const hidden = new Set<ColumnId>();
  const fixed = () =>
    (Object.keys(COLUMN_WIDTHS) as (keyof typeof COLUMN_WIDTHS)[])
      .filter((id) => !hidden.has(id))
      .reduce((sum, id) => sum + COLUMN_WIDTHS[id], 0);
  for (const id of STEP_ASIDE) {
    if (tableWidth - fixed() >= TITLE_SHARE * tableWidth) break;
    hidden.add(id);
  }
  return { hidden, titleWidth: Math.max(0, tableWidth - fixed()) };
}

/** The detail pane's width beside the table, and the gap between them (styles.css). */
export const DETAIL_WIDTH = 380 + 12;
/** The least width the title keeps beside the detail pane; narrower, the pane overlays the table. */
export const MIN_TITLE_BESIDE_DETAIL = 200;

/**
 * The table's layout in a content area `width` wide (null: not laid out yet), with or without
 * the detail pane: the columns that step aside, and whether the pane lies over the table
 * instead of beside it (when beside it the title would be left less than
 * `MIN_TITLE_BESIDE_DETAIL` even with every column that can step aside gone).
 */
export function tableLayout(
  width: number | null,
  detail: boolean,
): { hidden: ReadonlySet<ColumnId>; overlay: boolean } {
  if (width === null) return { hidden: new Set(), overlay: false };
  // The content area's padding, the table area's border, and room for a scroll bar.
  const table = width - 32 - 2 - 15;
  if (!detail) return { hidden: columnLayout(table).hidden, overlay: false };
  const beside = columnLayout(table - DETAIL_WIDTH);
  if (beside.titleWidth >= MIN_TITLE_BESIDE_DETAIL)
    return { hidden: beside.hidden, overlay: false };
  return { hidden: columnLayout(table).hidden, overlay: true };
}

/** The content width of an element (null until it is laid out), kept up to date as it changes. */
export function useWidth(ref: RefObject<HTMLElement | null>): number | null {
  const [width, setWidth] = useState<number | null>(null);
  // Measured before the first paint: the first rows may come with the first render (the page
  // is read while the window is built), and must not show in a layout for no width.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    // Zero means not laid out (yet): no column steps aside for a width nobody sees.
    const measure = () => setWidth(el.clientWidth || null);
    measure();
    if (typeof ResizeObserver !== "function") return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
