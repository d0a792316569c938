// The view the table shows (filters, sort, page size: kept in the window's URL) and which page
// of it (number and position), with the saved default page size applied.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { EventFilter, EventQuery, SortKey } from "../bindings";
import {
  FIRST,
  isPlain,
  readView,
  toFilter,
  toQuery,
  writeView,
  type Nav,
  type View,
} from "./view";

/** The query of `view`'s page at `nav` (a page number of 0, "unknown", asks for page 1). */
function pageQuery(view: View, nav: Nav, filter: EventFilter): EventQuery {
  // Page 0 means "number unknown" (the end of a view with an approximate total); the backend
  // needs a page of 1 or more and places the page by its position anyway.
  return toQuery(view, { ...nav, page: Math.max(1, nav.page) }, filter);
}

/** The query the table starts with: the first page of the view in the window's URL. */
export function firstQuery(search: string, now: number): EventQuery {
  const view = readView(search);
  return pageQuery(view, FIRST, toFilter(view, now));
}

/**
 * The view in the window's URL and its page; `me` is this operator as the core names
 * assignees (for "Mine").
 */
export function useView(savedPageSize: number | undefined, me = "user") {
  const [view, setViewState] = useState<View>(() => readView(window.location.search));
  const [nav, setNav] = useState<Nav>(FIRST);
  // Relative time ranges become absolute when the view changes, so the query stays stable.
  const [filter, setFilter] = useState(() => toFilter(view, Date.now(), me));
  const meNow = useRef(me);
  const viewNow = useRef(view);
  useEffect(() => {
    viewNow.current = view;
  }, [view]);
  // A team desk learns its operator after the first page: "Mine" is read again then.
  useEffect(() => {
    if (meNow.current === me) return;
    meNow.current = me;
    if (viewNow.current.assigned === "mine") setFilter(toFilter(viewNow.current, Date.now(), me));
  }, [me]);
  const query: EventQuery = useMemo(() => pageQuery(view, nav, filter), [view, nav, filter]);

  const setView = useCallback((next: View) => {
    setViewState(next);
    setFilter(toFilter(next, Date.now(), meNow.current));
    setNav(FIRST);
    window.history.replaceState(null, "", `${window.location.pathname}${writeView(next)}`);
  }, []);

  const sortBy = useCallback(
    (by: SortKey) =>
      setView({
        ...view,
        sort: { by, descending: view.sort.by === by ? !view.sort.descending : true },
      }),
    [view, setView],
  );

  // The saved page size applies at start when the URL does not name one, and whenever the
  // operator picks a new default.
  const sizeFromUrl = useRef(new URLSearchParams(window.location.search).has("size"));
  const appliedSize = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (savedPageSize === undefined || appliedSize.current === savedPageSize) return;
    const first = appliedSize.current === undefined;
    appliedSize.current = savedPageSize;
    if (first && sizeFromUrl.current) return;
    setViewState((v) => (v.pageSize === savedPageSize ? v : { ...v, pageSize: savedPageSize }));
    setNav(FIRST);
  }, [savedPageSize]);

  return { view, setView, nav, goTo: setNav, query, plain: isPlain(view), sortBy };
}
