// The window's layout: the toolbar, messages, panels, filters, the table with its pager, the
// detail pane and the dialogs. State and behaviour live in the hooks it composes.
import { useCallback, useMemo, useRef, useState } from "react";
import { AboutDialog } from "./window/AboutDialog";
import { ActivityStrip } from "./window/ActivityStrip";
import { api, messageOf } from "./api";
import { BulkBar } from "./table/BulkBar";
import { tableLayout, useWidth } from "./table/columns";
import { DetailPane } from "./detail/DetailPane";
import { EventTable } from "./table/EventTable";
import { ExportDialog } from "./window/ExportDialog";
import { FilterBar } from "./table/FilterBar";
import { useEventActions } from "./table/useEventActions";
import { useLivePage } from "./live/useLivePage";
import { useCacheFeed } from "./live/cacheFeed";
import { usePushCues } from "./live/usePushCues";
import { useSelection } from "./table/useSelection";
import { useShortcuts } from "./window/useShortcuts";
import { useView } from "./table/useView";
import { withLabel } from "./table/view";
import { SilencesPanel } from "./silences/SilencesPanel";
import { useWarnings } from "./window/useWarnings";
import { pageCount } from "./live/live";
import { NoticeList, useNotices } from "./window/notices";
import { Pagination } from "./table/Pagination";
import { SettingsPanel } from "./settings/SettingsPanel";
import { useSettings, useTheme } from "./settings/settings";
import { ShortcutsDialog } from "./window/ShortcutsDialog";
import { SimulatorPanel } from "./settings/SimulatorPanel";
import { SourcesPanel } from "./sources/SourcesPanel";
import { HandoverPanel, useHandoverAtStart } from "./handover/HandoverPanel";
import {
  OperatorNamesContext,
  operatorOf,
  TeamPanel,
  teamSummary,
  useOperatorNames,
  useTeam,
} from "./team/TeamPanel";
import { FIRST } from "./table/view";

type Panel = "handover" | "sources" | "team" | "simulator" | "settings" | "silences";
type Dialog = "shortcuts" | "about" | "export";

export function App() {
  const { settings, save: saveSettings } = useSettings();
  useTheme(settings?.theme);
  useCacheFeed();
  usePushCues(settings?.sounds);
  const team = useTeam();
  const names = useOperatorNames(team);
  const me = operatorOf(team);
  const {
    view,
    setView,
    nav,
    goTo,
    query: eventQuery,
    plain,
    sortBy,
  } = useView(settings?.pageSize, me);
  const { query, newEvents, paused, setPaused, heldChanges, showRow } = useLivePage(
    eventQuery,
    plain,
  );
  const data = query.data;
  const silencedBy = useMemo(
    () => new Map((data?.silencedBy ?? []).map((m) => [m.eventId, m.silenceId])),
    [data?.silencedBy],
  );
  const rows = useMemo(() => data?.rows ?? [], [data]);
  const selection = useSelection(rows, eventQuery);
  const { notices, push: notify, dismiss } = useNotices();
  useWarnings(notify);
  const actions = useEventActions({ showRow, notify, select: selection.set, me });
  const [current, setCurrent] = useState<number | null>(null);
  const [openId, setOpenId] = useState<number | null>(null);
  const [panels, setPanels] = useState<ReadonlySet<Panel>>(new Set());
  // Matchers a new silence starts from ("Silence similar" in the detail pane).
  const [silenceStart, setSilenceStart] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const togglePanel = (p: Panel) =>
    setPanels((all) => {
      const next = new Set(all);
      if (!next.delete(p)) next.add(p);
      return next;
    });
  const open = useCallback((id: number) => {
    setOpenId(id);
    setCurrent(id);
  }, []);
  useHandoverAtStart(() => setPanels((all) => new Set(all).add("handover")));
  useShortcuts({
    rows,
    current,
    helpOpen: dialog === "shortcuts",
    setCurrent,
    open,
    closeDetail: () => setOpenId(null),
    panelsOpen: panels.size > 0,
    closePanels: () => setPanels(new Set()),
    setHelpOpen: (show) => setDialog(show ? "shortcuts" : null),
    toggle: (e) => selection.toggle(e, false),
    act: (a, e) => void actions.run(a, e),
    snooze: (e) => void actions.runBulk("snooze", [e], Date.now() + 3_600_000),
    take: (e) => void actions.runBulk("take", [e]),
    quit: () =>
      void api
        .quit()
        .catch((e: unknown) => notify("error", `Eventdesk could not quit: ${messageOf(e)}`)),
  });
  const page = nav.page;
  const content = useRef<HTMLElement>(null);
  const width = useWidth(content);
  const { hidden, overlay } = useMemo(() => tableLayout(width, openId !== null), [width, openId]);

  return (
    <OperatorNamesContext.Provider value={names}>
      <div className="app">
        <header className="topbar">
          <h1>Eventdesk</h1>
          <span className="live" title="Changes are pushed as they are committed">
            <span className={paused ? "dot paused" : "dot"} aria-hidden="true" />{" "}
            {paused ? "Live updates paused" : "Live"}
          </span>
          {team && (
            <span
              className={`team-state team-${team.replica.state.state}`}
              role="status"
              data-team-state={team.replica.state.state}
            >
              {teamSummary(team)}
            </span>
          )}
          <span className="spacer" />
          <button
            type="button"
            className="toolbar"
            aria-pressed={paused}
            onClick={() => setPaused(!paused)}
          >
            Pause live updates
          </button>
          <button type="button" className="toolbar" onClick={() => setDialog("export")}>
            Export…
          </button>
          <button
            type="button"
            className="toolbar"
            aria-expanded={panels.has("handover")}
            onClick={() => togglePanel("handover")}
          >
            Handover
          </button>
          <button
            type="button"
            className="toolbar"
            aria-expanded={panels.has("sources")}
            onClick={() => togglePanel("sources")}
          >
            Sources
          </button>
          <button
            type="button"
            className="toolbar"
            aria-expanded={panels.has("silences")}
            onClick={() => togglePanel("silences")}
          >
            Silences
          </button>
          <button
            type="button"
            className="toolbar"
            aria-expanded={panels.has("team")}
            onClick={() => togglePanel("team")}
          >
            Team
          </button>
          <button
            type="button"
            className="toolbar"
            aria-expanded={panels.has("simulator")}
            onClick={() => togglePanel("simulator")}
          >
            Simulator
          </button>
          <button
            type="button"
            className="toolbar"
            aria-expanded={panels.has("settings")}
            onClick={() => togglePanel("settings")}
          >
            Settings
          </button>
          <button type="button" className="toolbar" onClick={() => setDialog("about")}>
            About
          </button>
          <button
            type="button"
            className="toolbar"
            onClick={() => setDialog("shortcuts")}
            aria-label="Keyboard shortcuts"
          >
            ?
          </button>
        </header>

        <div className="below-toolbar">
          <NoticeList
            notices={notices}
            onDismiss={dismiss}
            error={query.isError ? `Could not load events: ${messageOf(query.error)}` : null}
          />

          {panels.size > 0 && (
            // Panels open in a drawer over the right of the window: the table stays where it is.
            <aside className="drawer" aria-label="Panels">
              <div className="drawer-head">
                <button
                  type="button"
                  onClick={() => setPanels(new Set())}
                  aria-label="Close panels"
                >
                  Close
                </button>
              </div>
              {panels.has("handover") && <HandoverPanel onOpen={open} />}
              {panels.has("sources") && <SourcesPanel />}
              {panels.has("silences") && <SilencesPanel start={silenceStart} />}
              {panels.has("team") && <TeamPanel team={team} />}
              {panels.has("simulator") && <SimulatorPanel />}
              {panels.has("settings") && <SettingsPanel />}
            </aside>
          )}
          <FilterBar view={view} onChange={setView} />
          <ActivityStrip height={settings?.density === "compact" ? 40 : 90} />

          <main
            ref={content}
            className={`content${openId === null ? "" : overlay ? " with-detail overlay" : " with-detail"}`}
          >
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
                {selection.selected.size > 0 && (
                  <BulkBar
                    count={selection.selected.size}
                    busy={actions.bulkBusy}
                    onBulk={(a) =>
                      void actions.runBulk(
                        a,
                        rows.filter((r) => selection.selected.has(r.id)),
                      )
                    }
                    onSnooze={(until) =>
                      void actions.runBulk(
                        "snooze",
                        rows.filter((r) => selection.selected.has(r.id)),
                        until,
                      )
                    }
                    onTake={() =>
                      void actions.runBulk(
                        "take",
                        rows.filter((r) => selection.selected.has(r.id)),
                      )
                    }
                    onClear={() => selection.set([])}
                  />
                )}
              </div>
              {data ? (
                <EventTable
                  rows={rows}
                  names={names}
                  sort={view.sort}
                  onSort={sortBy}
                  busy={actions.busy}
                  selected={selection.selected}
                  current={current}
                  onAction={(a, e) => void actions.run(a, e)}
                  onOpen={(e) => open(e.id)}
                  onToggle={(e, range) => {
                    selection.toggle(e, range);
                    setCurrent(e.id);
                  }}
                  onToggleAll={selection.toggleAll}
                  hidden={hidden}
                  density={settings?.density ?? "comfortable"}
                  silencedBy={silencedBy}
                />
              ) : (
                !query.isError && <p className="loading">Loading events…</p>
              )}
              <Pagination
                page={data}
                number={page}
                onFirst={() => goTo(FIRST)}
                onPrev={() =>
                  data?.prev && goTo({ page: page > 1 ? page - 1 : 0, position: data.prev })
                }
                onNext={() =>
                  data?.next && goTo({ page: page > 0 ? page + 1 : 0, position: data.next })
                }
                onLast={() =>
                  // Without an exact total the last page's number is unknown: 0 says so.
                  goTo({
                    page: data?.totalExact ? pageCount(data.total, data.pageSize) : 0,
                    position: { at: "last" },
                  })
                }
                onPageSize={(size) => {
                  setView({ ...view, pageSize: size });
                  if (settings && settings.pageSize !== size)
                    saveSettings.mutate({ ...settings, pageSize: size });
                }}
                onShowHidden={(which) => setView({ ...view, [which]: "only" })}
              />
            </section>
            {openId !== null && (
              <DetailPane
                id={openId}
                busy={actions.busy.has(openId)}
                onAction={(a, e) => void actions.run(a, e)}
                onLabel={(label) => setView(withLabel(view, label))}
                onSilence={(text) => {
                  setSilenceStart(text);
                  setPanels((all) => new Set(all).add("silences"));
                }}
                onClose={() => setOpenId(null)}
              />
            )}
          </main>
        </div>
        {dialog === "shortcuts" && <ShortcutsDialog onClose={() => setDialog(null)} />}
        {dialog === "about" && <AboutDialog onClose={() => setDialog(null)} />}
        {dialog === "export" && (
          <ExportDialog
            query={eventQuery}
            onDone={(message) => {
              setDialog(null);
              notify("info", message);
            }}
            onClose={() => setDialog(null)}
          />
        )}
      </div>
    </OperatorNamesContext.Provider>
  );
}
