import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { AboutDialog } from "./AboutDialog";
import { ACTIVITY_KEY, ActivityStrip } from "./ActivityStrip";
import { CommandError, actionLabel, actionsFor, api, describeChange, messageOf } from "./api";
import { events, type Action, type BulkOutcome, type Event, type SortKey } from "./bindings";
import { ExportDialog } from "./ExportDialog";
import { SettingsPanel } from "./SettingsPanel";
import { useSettings, useTheme } from "./settings";
import { playTone, soundFor } from "./sound";
import { subscribe } from "./subscribe";
import { BulkBar } from "./BulkBar";
import { DetailPane } from "./DetailPane";
import { EventTable } from "./EventTable";
import { FilterBar } from "./FilterBar";
import { pageCount } from "./live";
import { useNotices } from "./notices";
import { Pagination } from "./Pagination";
import { ShortcutsDialog } from "./ShortcutsDialog";
import { SimulatorPanel } from "./SimulatorPanel";
import { useLivePage } from "./useLivePage";
import { FIRST, isPlain, readView, toFilter, toQuery, writeView, type Nav, type View } from "./view";

const pastTense: Record<Action, string> = { acknowledge: "Acknowledged", complete: "Completed", reopen: "Reopened" };

/** "Completed 4 · 1 conflict · 1 not found · 0 skipped" */
export function summarise(action: Action, outcomes: BulkOutcome[]): string {
  const count = (o: BulkOutcome["outcome"]) => outcomes.filter((x) => x.outcome === o).length;
  const conflicts = count("conflict");
  return `${pastTense[action]} ${count("done")} · ${conflicts} ${conflicts === 1 ? "conflict" : "conflicts"} · ${count("notFound")} not found · ${count("skipped")} skipped`;
}

function typingInField(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName));
}

export function App() {
  const [view, setViewState] = useState<View>(() => readView(window.location.search));
  const [nav, setNav] = useState<Nav>(FIRST);
  // Relative time ranges become absolute when the view changes, so the query stays stable.
  const [filter, setFilter] = useState(() => toFilter(view, Date.now()));
  const plain = isPlain(view);
  // Page 0 means "number unknown" (the end of a view with an approximate total); the backend
  // needs a page of 1 or more and places the page by its position anyway.
  const eventQuery = useMemo(
    () => toQuery(view, { ...nav, page: Math.max(1, nav.page) }, filter),
    [view, nav, filter],
  );
  const [busy, setBusy] = useState<ReadonlySet<number>>(new Set());
  const [bulkBusy, setBulkBusy] = useState(false);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const anchor = useRef<number | null>(null);
  const [current, setCurrent] = useState<number | null>(null);
  const [openId, setOpenId] = useState<number | null>(null);
  const [showSimulator, setShowSimulator] = useState(false);
  const [showShortcuts, setShowShortcuts] = useState(false);
  const [showSettings, setShowSettings] = useState(false);
  const [showAbout, setShowAbout] = useState(false);
  const [showExport, setShowExport] = useState(false);
  const { notices, push, dismiss } = useNotices();
  const { settings, save: saveSettings } = useSettings();
  useTheme(settings?.theme);
  const qc = useQueryClient();
  // The saved page size applies at start when the URL does not name one, and whenever the
  // operator picks a new default.
  const sizeFromUrl = useRef(new URLSearchParams(window.location.search).has("size"));
  const savedSize = settings?.pageSize;
  const appliedSize = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (savedSize === undefined || appliedSize.current === savedSize) return;
    const first = appliedSize.current === undefined;
    appliedSize.current = savedSize;
    if (first && sizeFromUrl.current) return;
    setViewState((v) => (v.pageSize === savedSize ? v : { ...v, pageSize: savedSize }));
    setNav(FIRST);
  }, [savedSize]);
  // Pushes also refresh the activity strip (at most every 2 s) and may play a sound.
  const sounds = settings?.sounds;
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = subscribe(events.eventsChanged.listen, (set) => {
      const severity = sounds ? soundFor(set, sounds) : null;
      if (severity) playTone(severity);
      if (set.created.length === 0 || timer !== undefined) return;
      const wait = Math.max(0, last + 2_000 - Date.now());
      timer = setTimeout(() => {
        timer = undefined;
        last = Date.now();
        void qc.invalidateQueries({ queryKey: ACTIVITY_KEY });
      }, wait);
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [qc, sounds]);
  const { query, newEvents, paused, setPaused, heldChanges, showRow } = useLivePage(eventQuery, plain);
  const data = query.data;
  const rows = useMemo(() => data?.rows ?? [], [data]);
  // Rows that left the page (pushed off by new events, or filtered out) leave the selection.
  useEffect(() => {
    const shown = new Set(rows.map((r) => r.id));
    setSelected((sel) => ([...sel].every((id) => shown.has(id)) ? sel : new Set([...sel].filter((id) => shown.has(id)))));
  }, [rows]);

  const runAction = useCallback(
    async (action: Action, event: Event) => {
      setBusy((b) => new Set(b).add(event.id));
      try {
        showRow(await api.act(action, event));
      } catch (e) {
        if (e instanceof CommandError && e.error.type === "Conflict") {
          const fresh = e.error.data.current;
          showRow(fresh);
          const again = actionsFor(fresh).includes(action);
          push(
            "warning",
            e.message,
            again ? { label: `${actionLabel[action]} #${fresh.id} now`, run: () => void runAction(action, fresh) } : undefined,
          );
        } else {
          push("error", `Could not ${actionLabel[action].toLowerCase()} event #${event.id}: ${messageOf(e)}`);
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

  const runBulk = useCallback(
    async (action: Action) => {
      const targets = rows.filter((r) => selected.has(r.id));
      if (targets.length === 0) return;
      setBulkBusy(true);
      try {
        const outcomes = await api.bulk(action, targets);
        for (const o of outcomes) {
          if (o.outcome === "done") showRow(o.event);
          if (o.outcome === "conflict") showRow(o.current);
        }
        const conflicts = outcomes.flatMap((o) => (o.outcome === "conflict" ? [o.current] : []));
        const detail = conflicts.length > 0 ? ` ${conflicts.map((c) => describeChange(c)).join(" ")}` : "";
        push(conflicts.length > 0 ? "warning" : "info", `${summarise(action, outcomes)}.${detail}`);
        setSelected(new Set(conflicts.map((c) => c.id)));
      } catch (e) {
        push("error", `Could not ${actionLabel[action].toLowerCase()} the selected events: ${messageOf(e)}`);
      } finally {
        setBulkBusy(false);
      }
    },
    [rows, selected, push, showRow],
  );

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
      setCurrent(event.id);
    },
    [rows],
  );

  const toggleAll = useCallback(
    (select: boolean) => setSelected(select ? new Set(rows.map((r) => r.id)) : new Set()),
    [rows],
  );

  const open = useCallback((event: Event) => {
    setOpenId(event.id);
    setCurrent(event.id);
  }, []);

  const goTo = (next: Nav) => {
    setNav(next);
    setSelected(new Set());
  };
  const setView = useCallback((next: View) => {
    setViewState(next);
    setFilter(toFilter(next, Date.now()));
    setNav(FIRST);
    setSelected(new Set());
    window.history.replaceState(null, "", `${window.location.pathname}${writeView(next)}`);
  }, []);
  const sortBy = useCallback(
    (by: SortKey) =>
      setView({ ...view, sort: { by, descending: view.sort.by === by ? !view.sort.descending : true } }),
    [view, setView],
  );
  const page = nav.page;

  // Keyboard: j/k or arrows move, Enter opens, c completes, a acknowledges, space selects, ? helps.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typingInField(e.target)) return;
      if (e.key === "?") {
        setShowShortcuts((s) => !s);
        e.preventDefault();
        return;
      }
      if (e.key === "Escape") {
        if (showShortcuts) setShowShortcuts(false);
        else setOpenId(null);
        return;
      }
      if (showShortcuts || rows.length === 0) return;
      const at = rows.findIndex((r) => r.id === current);
      const row = at >= 0 ? rows[at] : undefined;
      const move = (delta: number) => {
        const next = rows[Math.min(rows.length - 1, Math.max(0, at < 0 ? 0 : at + delta))];
        if (next) setCurrent(next.id);
        e.preventDefault();
      };
      switch (e.key) {
        case "j":
        case "ArrowDown":
          return move(1);
        case "k":
        case "ArrowUp":
          return move(-1);
        case "Enter":
          if (row && !(e.target instanceof HTMLButtonElement)) {
            setOpenId(row.id);
            e.preventDefault();
          }
          return;
        case " ":
          if (row && !(e.target instanceof HTMLButtonElement)) {
            toggle(row, false);
            e.preventDefault();
          }
          return;
        case "c":
          if (row && row.status !== "completed") void runAction("complete", row);
          return;
        case "a":
          if (row && row.status === "open") void runAction("acknowledge", row);
          return;
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [rows, current, showShortcuts, toggle, runAction]);

  return (
    <div className="app">
      <header className="topbar">
        <h1>Eventdesk</h1>
        <span className="live" title="Changes are pushed as they are committed">
          <span className={paused ? "dot paused" : "dot"} aria-hidden="true" /> {paused ? "Live updates paused" : "Live"}
        </span>
        <span className="spacer" />
        <button type="button" className="toolbar" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          Pause live updates
        </button>
        <button type="button" className="toolbar" onClick={() => setShowExport(true)}>
          Export…
        </button>
        <button type="button" className="toolbar" aria-expanded={showSimulator} onClick={() => setShowSimulator((s) => !s)}>
          Simulator
        </button>
        <button type="button" className="toolbar" aria-expanded={showSettings} onClick={() => setShowSettings((s) => !s)}>
          Settings
        </button>
        <button type="button" className="toolbar" onClick={() => setShowAbout(true)}>
          About
        </button>
        <button type="button" className="toolbar" onClick={() => setShowShortcuts(true)} aria-label="Keyboard shortcuts">
          ?
        </button>
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
            <span className="notice-buttons">
              {n.retry && (
                <button
                  type="button"
                  onClick={() => {
                    dismiss(n.id);
                    n.retry?.run();
                  }}
                >
                  {n.retry.label}
                </button>
              )}
              <button type="button" onClick={() => dismiss(n.id)}>
                Dismiss
              </button>
            </span>
          </div>
        ))}
      </section>

      {showSimulator && <SimulatorPanel />}
      {showSettings && <SettingsPanel />}
      <FilterBar view={view} onChange={setView} />
      <ActivityStrip />

      <main className={openId === null ? "content" : "content with-detail"}>
        <section className="table-area" aria-label="Events">
          <div className="table-tools">
            {paused && heldChanges > 0 && (
              <button type="button" className="new-events" onClick={() => setPaused(false)}>
                {heldChanges} new {heldChanges === 1 ? "change" : "changes"}
              </button>
            )}
            {newEvents > 0 && page !== 1 && (
              <button type="button" className="new-events" onClick={() => goTo(FIRST)}>
                {newEvents} new {newEvents === 1 ? "event" : "events"}
              </button>
            )}
            {selected.size > 0 && (
              <BulkBar count={selected.size} busy={bulkBusy} onBulk={(a) => void runBulk(a)} onClear={() => setSelected(new Set())} />
            )}
          </div>
          {data ? (
            <EventTable
              rows={rows}
              sort={view.sort}
              onSort={sortBy}
              busy={busy}
              selected={selected}
              current={current}
              onAction={(a, e) => void runAction(a, e)}
              onOpen={open}
              onToggle={toggle}
              onToggleAll={toggleAll}
            />
          ) : (
            !query.isError && <p className="loading">Loading events…</p>
          )}
          <Pagination
            page={data}
            number={page}
            onFirst={() => goTo(FIRST)}
            onPrev={() => data?.prev && goTo({ page: page > 1 ? page - 1 : 0, position: data.prev })}
            onNext={() => data?.next && goTo({ page: page > 0 ? page + 1 : 0, position: data.next })}
            onLast={() =>
              goTo({
                // Without an exact total the last page's number is unknown: 0 says so.
                page: data?.totalExact ? pageCount(data.total, data.pageSize) : 0,
                position: { at: "last" },
              })
            }
            onPageSize={(size) => {
              setView({ ...view, pageSize: size });
              if (settings && settings.pageSize !== size) saveSettings.mutate({ ...settings, pageSize: size });
            }}
          />
        </section>
        {openId !== null && (
          <DetailPane id={openId} busy={busy.has(openId)} onAction={(a, e) => void runAction(a, e)} onClose={() => setOpenId(null)} />
        )}
      </main>
      {showShortcuts && <ShortcutsDialog onClose={() => setShowShortcuts(false)} />}
      {showAbout && <AboutDialog onClose={() => setShowAbout(false)} />}
      {showExport && (
        <ExportDialog
          query={eventQuery}
          onDone={(message) => {
            setShowExport(false);
            push("info", message);
          }}
          onClose={() => setShowExport(false)}
        />
      )}
    </div>
  );
}
