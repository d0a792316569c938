// The rows ticked for a bulk action: click, shift-click for a range, the header box for the
// page. Rows that leave the page leave the selection; another page starts with none.
import { useCallback, useEffect, useRef, useState } from "react";
import type { Event } from "../bindings";

/** `page` names the page shown: another page (or view) starts with nothing ticked. */
export function useSelection(rows: Event[], page: unknown) {
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const anchor = useRef<number | null>(null);

  useEffect(() => setSelected(new Set()), [page]);

  useEffect(() => {
    const shown = new Set(rows.map((r) => r.id));
    setSelected((sel) =>
      [...sel].every((id) => shown.has(id)) ? sel : new Set([...sel].filter((id) => shown.has(id))),
    );
  }, [rows]);

  /** Ticks or unticks `event`; with `range`, everything from the last click to it. */
  const toggle = useCallback(
    (event: Event, range: boolean) => {
      const last = anchor.current;
      setSelected((sel) => {
        const next = new Set(sel);
        const ids = rows.map((r) => r.id);
        const from = last === null ? -1 : ids.indexOf(last);
        const to = ids.indexOf(event.id);
        if (range && from >= 0 && to >= 0) {
          const select = !sel.has(event.id);
          for (const id of ids.slice(Math.min(from, to), Math.max(from, to) + 1)) {
            if (select) next.add(id);
            else next.delete(id);
          }
        } else if (next.has(event.id)) next.delete(event.id);
        else next.add(event.id);
        return next;
      });
      anchor.current = event.id;
    },
    [rows],
  );

  const toggleAll = useCallback(
    (select: boolean) => setSelected(select ? new Set(rows.map((r) => r.id)) : new Set()),
    [rows],
  );
  const set = useCallback((ids: Iterable<number>) => setSelected(new Set(ids)), []);

  return { selected, toggle, toggleAll, set };
}
