import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { stacked, summarise } from "./ActivityStrip";
import type { ChangeSet, Minute } from "../bindings";
import { describeOutcome } from "./ExportDialog";
import { resolveTheme } from "../settings/settings";
import { soundFor } from "../live/sound";
import { emit } from "@tauri-apps/api/event";
import { FakeBackend, makeEvent, T0 } from "../test/fakeBackend";
import { renderApp } from "../test/renderApp";

const rowCount = () => document.querySelectorAll("tbody tr[data-event-id]").length;

describe("settings", () => {
  it("applies the theme at once and saves every change", async () => {
    const backend = new FakeBackend(3);
    const { user } = renderApp();
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe("light"));
    await user.click(screen.getByRole("button", { name: "Settings" }));
    await user.selectOptions(await screen.findByLabelText("Theme"), "dark");
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe("dark"));
    expect(backend.settings.theme).toBe("dark");
    expect(backend.calls.some((c) => c.cmd === "plugin:window|set_theme")).toBe(true);

    await user.click(screen.getByLabelText("Desktop notifications for critical events"));
    await waitFor(() => expect(backend.settings.notifications).toBe(false));
    await user.click(screen.getByLabelText("critical"));
    await waitFor(() => expect(backend.settings.sounds.critical).toBe(true));
    await user.click(screen.getByLabelText("Keep running in the tray when the window is closed"));
    await waitFor(() => expect(backend.settings.closeToTray).toBe(true));
    await user.selectOptions(screen.getByLabelText("Longest silence"), "7");
    await waitFor(() => expect(backend.settings.maxSilenceDays).toBe(7));
    expect(backend.settings.theme).toBe("dark");
  });

  it("sets the desk's timers: an acknowledgement's time per severity, and expiry", async () => {
    const backend = new FakeBackend(3);
    const { user } = renderApp();
    await user.click(await screen.findByRole("button", { name: "Settings" }));
    await user.selectOptions(await screen.findByLabelText("critical events"), "15");
    await waitFor(() => expect(backend.settings.timers.ackTimeoutMinutes.critical).toBe(15));
    expect(screen.getByLabelText("critical events")).toHaveDisplayValue("15 min");
    await user.selectOptions(screen.getByLabelText("Complete events unchanged for"), "72");
    await waitFor(() => expect(backend.settings.timers.expireAfterHours).toBe(72));
    expect(screen.getByLabelText("Complete events unchanged for")).toHaveDisplayValue("3 days");
    await user.selectOptions(screen.getByLabelText("critical events"), "Never");
    await waitFor(() => expect(backend.settings.timers.ackTimeoutMinutes.critical).toBeNull());
    expect(backend.settings.timers.expireAfterHours).toBe(72);
  });

  it("says in the status and the timeline when one of the desk's timers changed an event", async () => {
    const backend = new FakeBackend(2);
    const first = backend.events.find((e) => e.id === 1);
    if (!first) throw new Error("no event 1");
    Object.assign(first, {
      status: "completed",
      completedBy: "timer:expiry",
      completedAt: first.updatedAt,
      updatedBy: "timer:expiry",
    });
    const change = (seq: number, actor: string, from: string | null, to: string) => ({
      seq,
      eventId: 1,
      at: T0 + seq * 1000,
      actor,
      field: seq === 1 ? ("created" as const) : ("status" as const),
      from,
      to,
    });
    backend.histories.set(1, [
      change(1, "simulator", null, "open"),
      change(2, "user", "open", "acknowledged"),
      change(3, "timer:ack-timeout", "acknowledged", "open"),
      change(4, "timer:expiry", "open", "completed"),
    ]);
    const { user } = renderApp();
    const row = () => document.querySelector('tr[data-event-id="1"]') as HTMLElement;
    await waitFor(() => expect(row().querySelector("[data-status]")).toHaveTextContent(/^Expired/));
    await user.click(within(row()).getByRole("button", { name: first.title }));
    const timeline = await screen.findByRole("list", { name: "History" });
    await waitFor(() =>
      expect(timeline).toHaveTextContent(
        "acknowledgement timeout reopened it: not completed in time",
      ),
    );
    expect(timeline).toHaveTextContent("expiry completed it: no change for too long");
  });

  it("opens with the saved page size and saves a new one", async () => {
    const backend = new FakeBackend(150);
    backend.settings = { ...backend.settings, pageSize: 100 };
    const { user } = renderApp();
    await waitFor(() => expect(rowCount()).toBe(100));
    expect(screen.getByText("Page 1 of 2")).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText("Rows per page"), "25");
    await waitFor(() => expect(backend.settings.pageSize).toBe(25));
    expect(rowCount()).toBe(25);
  });

  it("follows the system theme unless one is chosen", () => {
    expect(resolveTheme("system", true)).toBe("dark");
    expect(resolveTheme("system", false)).toBe("light");
    expect(resolveTheme("light", true)).toBe("light");
    expect(resolveTheme("dark", false)).toBe("dark");
  });
});

describe("export", () => {
  it("exports the current view with progress, and reports where it went", async () => {
    const backend = new FakeBackend(30);
    const { user } = renderApp();
    await waitFor(() => expect(rowCount()).toBe(30));
    await user.click(screen.getByRole("checkbox", { name: "Open" }));
    await user.click(screen.getByRole("button", { name: "Export…" }));
    const dialog = await screen.findByRole("dialog", { name: "Export this view" });
    await user.click(within(dialog).getByLabelText("JSON"));
    backend.savePath = "/tmp/open.json";
    await user.click(within(dialog).getByRole("button", { name: "Choose file and export…" }));
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "export_view")).toBe(true));
    const call = backend.calls.find((c) => c.cmd === "export_view")?.args as Record<
      string,
      unknown
    >;
    // The window names no path: the backend asks where to save.
    expect(Object.keys(call).sort()).toEqual(["format", "query"]);
    expect(call.format).toBe("json");
    expect((call.query as { filter: { statuses: string[] } }).filter.statuses).toEqual(["open"]);
    expect(within(dialog).getByRole("status")).toHaveTextContent("Choose where to save it…");
    await backend.reportExport(12);
    await waitFor(() =>
      expect(within(dialog).getByRole("status")).toHaveTextContent("12 of 30 rows"),
    );
    expect(within(dialog).getByRole("progressbar", { name: "Export progress" })).toHaveAttribute(
      "value",
      "40",
    );
    expect(within(dialog).getByRole("button", { name: "Cancel export" })).toBeInTheDocument();
    backend.finishExport();
    expect(await screen.findByText("Exported 30 events to /tmp/open.json.")).toBeInTheDocument();
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("cancels a running export", async () => {
    const backend = new FakeBackend(5);
    const { user } = renderApp();
    await waitFor(() => expect(rowCount()).toBe(5));
    await user.click(screen.getByRole("button", { name: "Export…" }));
    const dialog = await screen.findByRole("dialog", { name: "Export this view" });
    await user.click(within(dialog).getByRole("button", { name: "Choose file and export…" }));
    await user.click(await within(dialog).findByRole("button", { name: "Cancel export" }));
    expect(
      await screen.findByText("Export cancelled after 0 rows; no file was written."),
    ).toBeInTheDocument();
    expect(backend.calls.some((c) => c.cmd === "cancel_export")).toBe(true);
  });

  it("does nothing when the save dialog is closed", async () => {
    const backend = new FakeBackend(5);
    backend.savePath = null;
    const { user } = renderApp();
    await user.click(screen.getByRole("button", { name: "Export…" }));
    const dialog = await screen.findByRole("dialog", { name: "Export this view" });
    await user.click(within(dialog).getByRole("button", { name: "Choose file and export…" }));
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "export_view")).toBe(true));
    expect(await within(dialog).findByRole("button", { name: "Close" })).toBeInTheDocument();
    expect(screen.queryByText(/Exported/)).toBeNull();
  });

  it("names outcomes plainly", () => {
    expect(describeOutcome({ outcome: "done", rows: 1, path: "/a.csv" })).toBe(
      "Exported 1 event to /a.csv.",
    );
    expect(describeOutcome({ outcome: "cancelled", rows: 12000 })).toBe(
      "Export cancelled after 12,000 rows; no file was written.",
    );
    expect(describeOutcome({ outcome: "dismissed" })).toBeNull();
  });
});

describe("warnings", () => {
  it("shows the backend's warnings and a storage problem where the operator looks", async () => {
    const backend = new FakeBackend(2);
    backend.warnings = [
      "The saved simulator settings were out of range (rate: must be from 0.1 to 5000, got 90000); the defaults are used.",
    ];
    renderApp();
    expect(
      await screen.findByText(/The saved simulator settings were out of range/),
    ).toBeInTheDocument();
    await emit("storage-problem", {
      error: {
        type: "Corrupt",
        data: {
          path: "/data/eventdesk.db",
          reason: "Page 5: btreeInitPage() returns error code 11",
        },
      },
    });
    expect(await screen.findByText(/\/data\/eventdesk.db is damaged \(Page 5/)).toBeInTheDocument();
  });
});

describe("about and activity", () => {
  it("shows the version, database and log folder, and opens the log folder", async () => {
    const backend = new FakeBackend(1);
    const { user } = renderApp();
    await user.click(screen.getByRole("button", { name: "About" }));
    const dialog = await screen.findByRole("dialog", { name: "About Eventdesk" });
    expect(await within(dialog).findByText("0.1.0")).toBeInTheDocument();
    expect(within(dialog).getByText("/data/eventdesk.db")).toBeInTheDocument();
    await user.click(within(dialog).getByRole("button", { name: "Open log folder" }));
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "open_log_folder")).toBe(true));
  });

  it("sums up the last hour above the table and refreshes on new events", async () => {
    const backend = new FakeBackend(4);
    // The four events were created in the first seconds of 09:00; it is now 09:01:30.
    backend.now = () => T0 + 90_000;
    renderApp();
    expect(await screen.findByText("4 events · 0 critical · peak 4/min")).toBeInTheDocument();
    await backend.pushCreated(3);
    expect(
      await screen.findByText("7 events · 0 critical · peak 4/min", {}, { timeout: 4000 }),
    ).toBeInTheDocument();
  });

  it("counts the hour up to now, not up to the newest event", async () => {
    const backend = new FakeBackend(4);
    backend.now = () => T0 + 2 * 3_600_000;
    renderApp();
    expect(await screen.findByText("0 events · 0 critical · peak 0/min")).toBeInTheDocument();
  });

  it("stacks severities and totals minutes", () => {
    const m = (start: number, info: number, critical: number): Minute => ({
      start,
      info,
      warning: 1,
      error: 0,
      critical,
    });
    const minutes = [m(60_000, 2, 0), m(120_000, 0, 3)];
    expect(summarise(minutes)).toEqual({ total: 7, critical: 3, peak: 4 });
    // Top band first: critical stacked on error on warning on info.
    expect(stacked(minutes)).toEqual([
      [60, 120],
      [3, 4],
      [3, 1],
      [3, 1],
      [2, 0],
    ]);
  });
});

describe("sounds", () => {
  const set = (rows: ChangeSet["rows"], created: number[]): ChangeSet => ({
    fromSeq: 1,
    toSeq: 1,
    rows,
    created,
    critical: rows.filter((r) => r.severity === "critical").map((r) => r.id),
    total: 9,
    tally: { unfinished: 9, critical: 1 },
    reload: false,
  });
  const off = { critical: false, error: false, warning: false, info: false };

  it("picks the most severe new event whose sound is on", () => {
    const rows = [
      makeEvent(1, { severity: "info" }),
      makeEvent(2, { severity: "error" }),
      makeEvent(3, { severity: "critical" }),
    ];
    expect(soundFor(set(rows, [1, 2, 3]), { ...off, info: true, error: true })).toBe("error");
    expect(soundFor(set(rows, [1, 2, 3]), { ...off, critical: true })).toBe("critical");
    expect(soundFor(set(rows, [1, 2, 3]), off)).toBeNull();
    // A changed (not new) event makes no sound.
    expect(
      soundFor(set([makeEvent(4, { severity: "error", createdAt: T0 })], []), {
        ...off,
        error: true,
      }),
    ).toBeNull();
  });
});
