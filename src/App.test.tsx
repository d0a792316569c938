import { describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { FakeBackend } from "./test/fakeBackend";
import { newClient, renderApp } from "./test/renderApp";
import { prefetchPage } from "./live/useLivePage";
import { firstQuery } from "./table/useView";

function rowIds(): number[] {
  return Array.from(document.querySelectorAll("tbody tr[data-event-id]")).map((tr) =>
    Number(tr.getAttribute("data-event-id")),
  );
}

function row(id: number): HTMLElement {
  const tr = document.querySelector<HTMLElement>(`tr[data-event-id="${id}"]`);
  if (!tr) throw new Error(`row ${id} is not shown`);
  return tr;
}

describe("the event table", () => {
  it("renders a header and one row per event, newest first", async () => {
    new FakeBackend(3);
    renderApp();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    const headers = screen.getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers).toEqual([
      "",
      "Time ▼",
      "Severity",
      "Kind",
      "Source",
      "Title",
      "Status",
      "Updated",
      "Action",
    ]);
    expect(within(row(3)).getByText("txn.timeout")).toBeInTheDocument();
    expect(within(row(3)).getByRole("button", { name: "Complete" })).toBeEnabled();
    expect(screen.getByText("Page 1 of 1")).toBeInTheDocument();
    expect(screen.getByText("3 events")).toBeInTheDocument();
  });

  it("tells the store once that its first rows are shown, so its background work may start", async () => {
    performance.clearMarks("eventdesk:first-rows"); // set by the tests before, in this page
    const backend = new FakeBackend(3);
    const { user } = renderApp();
    await waitFor(() => expect(backend.count("first_rows_shown")).toBe(1));
    expect(rowIds()).toEqual([3, 2, 1]);
    await user.click(screen.getByRole("checkbox", { name: "Acknowledged" }));
    await waitFor(() => expect(window.location.search).toBe("?status=acknowledged"));
    expect(backend.count("first_rows_shown")).toBe(1);
  });

  it("reads the first page once when it was read ahead at start", async () => {
    const backend = new FakeBackend(3);
    const client = newClient();
    await prefetchPage(client, firstQuery(window.location.search, Date.now()));
    expect(backend.count("list_events")).toBe(1);
    renderApp(client);
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    expect(backend.count("list_events")).toBe(1);
  });

  it("pages forward, back, to the ends, and by page size", async () => {
    new FakeBackend(120);
    const { user } = renderApp();
    await waitFor(() => expect(screen.getByText("Page 1 of 3")).toBeInTheDocument());
    expect(rowIds()[0]).toBe(120);
    await user.click(screen.getByRole("button", { name: "Next page" }));
    await waitFor(() => expect(rowIds()[0]).toBe(70));
    expect(screen.getByText("Page 2 of 3")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Last page" }));
    await waitFor(() => expect(rowIds()).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i)));
    expect(screen.getByRole("button", { name: "Next page" })).toBeDisabled();
    await user.click(screen.getByRole("button", { name: "Previous page" }));
    await waitFor(() => expect(screen.getByText("Page 2 of 3")).toBeInTheDocument());
    await user.click(screen.getByRole("button", { name: "First page" }));
    await waitFor(() => expect(rowIds()[0]).toBe(120));
    await user.selectOptions(screen.getByLabelText("Rows per page"), "25");
    await waitFor(() => expect(screen.getByText("Page 1 of 5")).toBeInTheDocument());
    expect(rowIds()).toHaveLength(25);
  });

  it("completes an event and updates the row in place", async () => {
    const backend = new FakeBackend(2);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([2, 1]));
    await user.click(within(row(1)).getByRole("button", { name: "Complete" }));
    await waitFor(() => expect(within(row(1)).getByText("Completed by you")).toBeInTheDocument());
    expect(within(row(1)).queryByRole("button", { name: "Complete" })).toBeNull();
    expect(rowIds()).toEqual([2, 1]);
    expect(backend.calls.find((c) => c.cmd === "complete_event")?.args).toEqual({
      id: 1,
      expectedVersion: 1,
    });
  });

  it("applies pushed changes: new events on top of page 1, changed rows in place", async () => {
    const backend = new FakeBackend(3);
    renderApp();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    const reads = backend.count("list_events");
    await backend.pushCreated(2);
    await waitFor(() => expect(rowIds()).toEqual([5, 4, 3, 2, 1]));
    await backend.pushChange(2, { status: "acknowledged", updatedBy: "simulator" });
    await waitFor(() => expect(within(row(2)).getByText("Acknowledged")).toBeInTheDocument());
    expect(screen.getByText("5 events")).toBeInTheDocument();
    expect(backend.count("list_events")).toBe(reads);
  });

  it("shows when the simulator reopened a completion", async () => {
    const backend = new FakeBackend(1);
    renderApp();
    await waitFor(() => expect(rowIds()).toEqual([1]));
    await backend.pushChange(1, {
      status: "open",
      reopenedBy: "simulator",
      reopenedAt: Date.now(),
      updatedBy: "simulator",
    });
    await waitFor(() =>
      expect(within(row(1)).getByText(/reopened by simulator/)).toBeInTheDocument(),
    );
  });

  it("keeps later pages still and offers the new events", async () => {
    const backend = new FakeBackend(60);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()[0]).toBe(60));
    await user.click(screen.getByRole("button", { name: "Next page" }));
    await waitFor(() => expect(rowIds()[0]).toBe(10));
    await backend.pushCreated(3);
    const offer = await screen.findByRole("button", { name: "3 new events" });
    expect(rowIds()[0]).toBe(10);
    await user.click(offer);
    await waitFor(() => expect(rowIds()[0]).toBe(63));
    expect(screen.queryByRole("button", { name: /new event/ })).toBeNull();
  });

  it("catches up with changes_since when a push shows that changes were missed", async () => {
    const backend = new FakeBackend(3);
    renderApp();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    // This change's push is dropped on purpose; the next push reveals the gap.
    backend.changeSilently(3, { severity: "critical" });
    const reads = backend.count("list_events");
    await backend.pushChange(1, { status: "acknowledged" });
    await waitFor(() => expect(within(row(3)).getByText("critical")).toBeInTheDocument());
    expect(within(row(1)).getByText("Acknowledged")).toBeInTheDocument();
    expect(backend.calls.find((c) => c.cmd === "changes_since")?.args).toEqual({ since: 3 });
    expect(backend.count("list_events")).toBe(reads);
  });

  it("reads the page again when a catch-up says too much changed", async () => {
    const backend = new FakeBackend(3);
    backend.catchUpLimit = 1;
    renderApp();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    backend.changeSilently(3, { severity: "critical" });
    backend.changeSilently(2, { status: "acknowledged" });
    const reads = backend.count("list_events");
    await backend.pushChange(1, { status: "acknowledged" });
    await waitFor(() => expect(within(row(3)).getByText("critical")).toBeInTheDocument());
    expect(within(row(2)).getByText("Acknowledged")).toBeInTheDocument();
    expect(within(row(1)).getByText("Acknowledged")).toBeInTheDocument();
    expect(backend.count("changes_since")).toBe(1);
    expect(backend.count("list_events")).toBeGreaterThan(reads);
  });

  it("reads the page again when a catch-up fails", async () => {
    const backend = new FakeBackend(3);
    renderApp();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    backend.changeSilently(3, { severity: "critical" });
    backend.failNext = {
      cmd: "changes_since",
      error: { type: "Storage", data: { message: "disk I/O error" } },
    };
    const reads = backend.count("list_events");
    await backend.pushChange(1, { status: "acknowledged" });
    await waitFor(() => expect(within(row(3)).getByText("critical")).toBeInTheDocument());
    expect(within(row(1)).getByText("Acknowledged")).toBeInTheDocument();
    expect(backend.count("changes_since")).toBe(1);
    expect(backend.count("list_events")).toBeGreaterThan(reads);
  });

  it("applies pushes that arrive while a catch-up is under way, after it", async () => {
    const backend = new FakeBackend(3);
    renderApp();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    backend.changeSilently(3, { severity: "critical" });
    const release = backend.hold("changes_since");
    const reads = backend.count("list_events");
    await backend.pushChange(1, { status: "acknowledged" });
    // The catch-up is waiting for its answer; meanwhile two more changes are pushed.
    await backend.pushCreated(1);
    await backend.pushChange(2, { status: "acknowledged" });
    expect(within(row(3)).getByText("warning")).toBeInTheDocument();
    release();
    await waitFor(() => expect(rowIds()).toEqual([4, 3, 2, 1]));
    expect(within(row(3)).getByText("critical")).toBeInTheDocument();
    expect(within(row(2)).getByText("Acknowledged")).toBeInTheDocument();
    expect(within(row(1)).getByText("Acknowledged")).toBeInTheDocument();
    // One catch-up from the page's seq; any later one only confirms nothing is missing.
    expect(backend.calls.find((c) => c.cmd === "changes_since")?.args).toEqual({ since: 3 });
    expect(backend.count("list_events")).toBe(reads);
  });

  it("catches up on resume when changes were missed while paused", async () => {
    const backend = new FakeBackend(3);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    await user.click(screen.getByRole("button", { name: "Pause live updates" }));
    await backend.pushChange(1, { status: "acknowledged" });
    backend.changeSilently(2, { severity: "error" });
    await backend.pushCreated(1);
    const resume = await screen.findByRole("button", { name: "2 new changes" });
    expect(rowIds()).toEqual([3, 2, 1]);
    await user.click(resume);
    await waitFor(() => expect(rowIds()).toEqual([4, 3, 2, 1]));
    expect(within(row(2)).getByText("error")).toBeInTheDocument();
    expect(within(row(1)).getByText("Acknowledged")).toBeInTheDocument();
    expect(backend.calls.find((c) => c.cmd === "changes_since")?.args).toEqual({ since: 4 });
  });

  it("explains a conflict and shows the current row", async () => {
    const backend = new FakeBackend(2);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([2, 1]));
    backend.changeSilently(2, { severity: "critical", status: "acknowledged" });
    await user.click(within(row(2)).getByRole("button", { name: "Complete" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(
      /Event #2 was changed by the simulator \d+ (s|min|h) ago: it is now critical and acknowledged\. Nothing was changed\./,
    );
    await waitFor(() => expect(within(row(2)).getByText("critical")).toBeInTheDocument());
    expect(within(row(2)).getByText("Acknowledged")).toBeInTheDocument();
    expect(row(2)).toHaveAttribute("data-version", "2");
    // The message offers the action again on the fresh state.
    await user.click(within(alert).getByRole("button", { name: "Complete #2 now" }));
    await waitFor(() => expect(within(row(2)).getByText("Completed by you")).toBeInTheDocument());
    expect(backend.calls.filter((c) => c.cmd === "complete_event").map((c) => c.args)).toEqual([
      { id: 2, expectedVersion: 1 },
      { id: 2, expectedVersion: 2 },
    ]);
  });

  it("shows a failed command in the window", async () => {
    const backend = new FakeBackend(1);
    backend.failNext = {
      cmd: "list_events",
      error: {
        type: "NotEventdeskDatabase",
        data: { path: "/tmp/x.db", reason: "it is not an SQLite file" },
      },
    };
    renderApp();
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(
      "/tmp/x.db is not an Eventdesk database (it is not an SQLite file)",
    );
  });

  it("shows a failed completion and keeps the row", async () => {
    const backend = new FakeBackend(1);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([1]));
    backend.failNext = {
      cmd: "complete_event",
      error: { type: "Storage", data: { message: "disk I/O error" } },
    };
    await user.click(within(row(1)).getByRole("button", { name: "Complete" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Could not complete event #1: Storage error: disk I/O error",
    );
    expect(within(row(1)).getByRole("button", { name: "Complete" })).toBeEnabled();
  });

  it("opens an event's history from its title", async () => {
    new FakeBackend(2);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([2, 1]));
    await user.click(
      within(row(2)).getByRole("button", { name: "Card authorisations timing out for merchant 2" }),
    );
    const history = await screen.findByRole("list", { name: "History" });
    expect(within(history).getByText(/created/)).toBeInTheDocument();
  });

  it("acts from the detail pane and shows the timeline", async () => {
    const backend = new FakeBackend(2);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([2, 1]));
    await user.click(
      within(row(1)).getByRole("button", { name: "Card authorisations timing out for merchant 1" }),
    );
    const pane = await screen.findByRole("complementary", { name: "Event #1" });
    await user.click(await within(pane).findByRole("button", { name: "Acknowledge" }));
    await waitFor(() => expect(within(row(1)).getByText("Acknowledged")).toBeInTheDocument());
    expect(backend.calls.find((c) => c.cmd === "acknowledge_event")?.args).toEqual({
      id: 1,
      expectedVersion: 1,
    });
    await user.click(within(pane).getByRole("button", { name: "Close details" }));
    expect(screen.queryByRole("complementary")).toBeNull();
    // A click anywhere else on a row opens it too.
    await user.click(within(row(2)).getByText("payments-api"));
    expect(await screen.findByRole("complementary", { name: "Event #2" })).toBeInTheDocument();
  });

  it("shows an event's labels and filters the table by one, kept in the URL", async () => {
    const backend = new FakeBackend(4);
    const prod = [
      { key: "env", value: "prod" },
      { key: "team", value: "db" },
    ];
    backend.labels.set(1, prod);
    backend.labels.set(3, [{ key: "env", value: "prod" }]);
    backend.labels.set(4, [{ key: "env", value: "staging" }]);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([4, 3, 2, 1]));
    await user.click(within(row(1)).getByText("payments-api"));
    const pane = await screen.findByRole("complementary", { name: "Event #1" });
    const labels = await within(pane).findByRole("region", { name: "Labels" });
    expect(
      within(labels)
        .getAllByRole("button")
        .map((b) => b.textContent),
    ).toEqual(["env=prod", "team=db"]);
    await user.click(
      within(labels).getByRole("button", { name: "Show only events with env=prod" }),
    );
    await waitFor(() => expect(rowIds()).toEqual([3, 1]));
    expect(window.location.search).toBe("?label=env%3Dprod");
    const reads = backend.calls.filter((c) => c.cmd === "list_events");
    expect(reads[reads.length - 1]?.args).toMatchObject({
      query: { filter: { labels: [{ key: "env", value: "prod" }] } },
    });
    // Another value of the same key replaces it; a label typed in the filter bar adds to it.
    const box = screen.getByRole("textbox", { name: "Filter by label" });
    await user.type(box, "env=staging{Enter}");
    await waitFor(() => expect(rowIds()).toEqual([4]));
    await user.type(box, "team=db{Enter}");
    await waitFor(() => expect(rowIds()).toEqual([]));
    await user.type(box, "nonsense{Enter}");
    expect(screen.getByRole("alert")).toHaveTextContent("Write a label as key=value");
    const chips = screen.getByRole("list", { name: "Labels in this view" });
    await user.click(within(chips).getByRole("button", { name: "Remove label env=staging" }));
    await waitFor(() => expect(rowIds()).toEqual([1]));
    expect(window.location.search).toBe("?label=team%3Ddb");
  });

  it("pages a long timeline: the latest changes first, earlier ones on demand", async () => {
    const backend = new FakeBackend(1);
    const raised = (seq: number) => ({
      seq,
      eventId: 1,
      at: Date.UTC(2026, 10, 26, 8, 0, seq),
      actor: "source:pagerduty",
      field: "occurred" as const,
      from: String(seq - 1),
      to: String(seq),
    });
    backend.histories.set(
      1,
      Array.from({ length: 450 }, (_, i) => raised(i + 1)),
    );
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([1]));
    await user.click(within(row(1)).getByText("payments-api"));
    const pane = await screen.findByRole("complementary", { name: "Event #1" });
    const seqs = () =>
      Array.from(within(pane).getByRole("list", { name: "History" }).querySelectorAll("li")).map(
        (li) => Number(li.getAttribute("data-seq")),
      );
    await waitFor(() => expect(seqs()).toHaveLength(200));
    expect(seqs()[0]).toBe(251);
    await user.click(
      within(pane).getByRole("button", { name: "Show 200 earlier changes (250 before these)" }),
    );
    await waitFor(() => expect(seqs()).toHaveLength(400));
    expect(seqs()[0]).toBe(51);
    await user.click(
      within(pane).getByRole("button", { name: "Show 50 earlier changes (50 before these)" }),
    );
    await waitFor(() => expect(seqs()).toHaveLength(450));
    expect(seqs()).toEqual(Array.from({ length: 450 }, (_, i) => i + 1));
    expect(within(pane).queryByRole("button", { name: /earlier changes/ })).toBeNull();
    expect(backend.calls.filter((c) => c.cmd === "event_history").map((c) => c.args)).toEqual([
      { id: 1, before: 251, limit: 200 },
      { id: 1, before: 51, limit: 200 },
    ]);
  });

  it("completes selected rows in one command and reports the outcomes", async () => {
    const backend = new FakeBackend(5);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([5, 4, 3, 2, 1]));
    await user.click(screen.getByRole("checkbox", { name: "Select event 5" }));
    await user.keyboard("{Shift>}");
    await user.click(screen.getByRole("checkbox", { name: "Select event 3" }));
    await user.keyboard("{/Shift}");
    expect(screen.getByText("3 selected")).toBeInTheDocument();
    backend.changeSilently(4, { severity: "critical" });
    await user.click(screen.getByRole("button", { name: "Complete selected" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Completed 2 · 1 conflict · 0 not found · 0 skipped");
    expect(alert).toHaveTextContent("Event #4 was changed by the simulator");
    expect(backend.calls.filter((c) => c.cmd === "bulk_action")).toHaveLength(1);
    expect(within(row(5)).getByText("Completed by you")).toBeInTheDocument();
    expect(within(row(3)).getByText("Completed by you")).toBeInTheDocument();
    expect(within(row(4)).getByText("critical")).toBeInTheDocument();
    // The conflicting row stays selected for another try.
    expect(screen.getByText("1 selected")).toBeInTheDocument();
    await user.click(screen.getByRole("checkbox", { name: "Select all on this page" }));
    expect(screen.getByText("5 selected")).toBeInTheDocument();
  });

  it("holds pushes while live updates are paused and applies them on resume", async () => {
    const backend = new FakeBackend(3);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    await user.click(screen.getByRole("button", { name: "Pause live updates" }));
    expect(screen.getByRole("button", { name: "Pause live updates" })).toHaveAttribute(
      "aria-pressed",
      "true",
    );
    await backend.pushCreated(2);
    await backend.pushChange(1, { status: "acknowledged" });
    const resume = await screen.findByRole("button", { name: "3 new changes" });
    expect(rowIds()).toEqual([3, 2, 1]);
    expect(within(row(1)).getByText("Open")).toBeInTheDocument();
    await user.click(resume);
    await waitFor(() => expect(rowIds()).toEqual([5, 4, 3, 2, 1]));
    expect(within(row(1)).getByText("Acknowledged")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Pause live updates" })).toHaveAttribute(
      "aria-pressed",
      "false",
    );
  });

  it("works from the keyboard", async () => {
    const backend = new FakeBackend(3);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    await user.keyboard("j");
    expect(row(3)).toHaveAttribute("data-current", "true");
    await user.keyboard("j");
    expect(row(2)).toHaveAttribute("data-current", "true");
    await user.keyboard("{ArrowUp}");
    expect(row(3)).toHaveAttribute("data-current", "true");
    await user.keyboard("a");
    await waitFor(() => expect(within(row(3)).getByText("Acknowledged")).toBeInTheDocument());
    await user.keyboard("k");
    await user.keyboard("j");
    await user.keyboard("c");
    await waitFor(() => expect(within(row(2)).getByText("Completed by you")).toBeInTheDocument());
    await user.keyboard(" ");
    expect(screen.getByRole("checkbox", { name: "Select event 2" })).toBeChecked();
    await user.keyboard("{Enter}");
    expect(await screen.findByRole("complementary", { name: "Event #2" })).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("complementary")).toBeNull();
    await user.keyboard("?");
    expect(screen.getByRole("dialog", { name: "Keyboard shortcuts" })).toHaveTextContent(
      "acknowledge the row",
    );
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(backend.count("acknowledge_event")).toBe(1);
    // q alone is no shortcut; Ctrl+Q quits, from a text field too.
    await user.keyboard("q");
    expect(backend.count("quit_app")).toBe(0);
    await user.click(screen.getByRole("searchbox"));
    await user.keyboard("{Control>}q{/Control}");
    expect(backend.count("quit_app")).toBe(1);
  });

  it("shows and changes the simulator's settings", async () => {
    const backend = new FakeBackend(1);
    const { user } = renderApp();
    await user.click(screen.getByRole("button", { name: "Simulator" }));
    const panel = await screen.findByRole("region", { name: "Simulator" });
    await waitFor(() =>
      expect(within(panel).getByText(/1,234 changes since start/)).toBeInTheDocument(),
    );
    const rate = within(panel).getByLabelText("Changes per second");
    expect(rate).toHaveValue(2);
    await user.clear(rate);
    await user.type(rate, "9000");
    await user.click(within(panel).getByRole("button", { name: "Apply settings" }));
    expect(await within(panel).findByRole("alert")).toHaveTextContent(
      "Invalid rate: must be from 0.1 to 5000",
    );
    await user.clear(rate);
    await user.type(rate, "25");
    await user.click(within(panel).getByRole("button", { name: "Apply settings" }));
    await waitFor(() => expect(backend.simulator.rate).toBe(25));
    await user.click(within(panel).getByRole("button", { name: "Pause simulator" }));
    await waitFor(() => expect(within(panel).getByText("Paused")).toBeInTheDocument());
    expect(backend.simulator).toEqual({
      running: false,
      rate: 25,
      seed: 42,
      newShare: 0.4,
      overrideChance: 0.02,
    });
  });

  it("searches at the first key and folds the keys right after it into one search", async () => {
    const backend = new FakeBackend(30);
    renderApp();
    await waitFor(() => expect(rowIds()).toHaveLength(30));
    const searched = () =>
      backend.calls
        .filter((c) => c.cmd === "list_events")
        .map((c) => (c.args as { query: { filter: { search?: string | null } } }).query.filter)
        .map((f) => f.search)
        .filter((s) => s);
    const box = screen.getByRole("searchbox", { name: "Search events" });
    // Three keys in one burst (the clock stands still, however long a render takes here): the
    // first reads at once, the other two as one read after them.
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      fireEvent.change(box, { target: { value: "l" } });
      fireEvent.change(box, { target: { value: "le" } });
      fireEvent.change(box, { target: { value: "led" } });
    } finally {
      vi.useRealTimers();
    }
    expect(window.location.search).toBe("?q=l");
    await waitFor(() => expect(window.location.search).toBe("?q=led"));
    await waitFor(() => expect(searched().at(-1)).toBe("led"));
    expect(searched()).toContain("l");
    expect(searched()).not.toContain("le");
  });

  it("filters, searches and sorts, keeps the view in the URL, and reads again on pushes", async () => {
    const backend = new FakeBackend(30);
    backend.replace({
      ...backend.find(7),
      kind: "ledger.lag",
      title: "Ledger replication lag 90 s on shard 3",
      severity: "critical",
    });
    backend.replace({ ...backend.find(9), status: "acknowledged", version: 2 });
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toHaveLength(30));

    await user.click(screen.getByRole("checkbox", { name: "Acknowledged" }));
    await waitFor(() => expect(rowIds()).toEqual([9]));
    expect(window.location.search).toBe("?status=acknowledged");
    await user.click(screen.getByRole("checkbox", { name: "Acknowledged" }));
    await waitFor(() => expect(rowIds()).toHaveLength(30));

    await user.type(screen.getByRole("searchbox", { name: "Search events" }), "replication");
    // The first key searches at once; the keys that follow fold into one search after them.
    await waitFor(() => expect(window.location.search).toBe("?q=replication"));
    await waitFor(() => expect(rowIds()).toEqual([7]));
    const last = backend.calls.filter((c) => c.cmd === "list_events").at(-1)?.args as {
      query: { filter: { search: string } };
    };
    expect(last.query.filter.search).toBe("replication");

    // A change that leaves the filter leaves the view.
    await backend.pushChange(7, { title: "Ledger caught up", kind: "ledger.ok" });
    await waitFor(() => expect(rowIds()).toEqual([]));
    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(rowIds()).toHaveLength(30));

    await user.click(screen.getByRole("button", { name: /^Severity/ }));
    await waitFor(() => expect(rowIds()[0]).toBe(7));
    expect(screen.getByRole("columnheader", { name: /Severity/ })).toHaveAttribute(
      "aria-sort",
      "descending",
    );
    expect(window.location.search).toBe("?sort=severity");
    await user.selectOptions(screen.getByRole("combobox", { name: "Severity" }), "critical");
    await waitFor(() => expect(rowIds()).toEqual([7]));
    expect(window.location.search).toBe("?severity=critical&sort=severity");
  });

  it("lets a filtered view's read finish while pushes arrive, then reads once more", async () => {
    window.history.replaceState(null, "", "/?sort=severity");
    const backend = new FakeBackend(3);
    renderApp();
    await waitFor(() => expect(rowIds()).toHaveLength(3));
    const reads = backend.count("list_events");
    const release = backend.hold("list_events");
    await backend.pushChange(1, { status: "acknowledged" });
    await waitFor(() => expect(backend.count("list_events")).toBe(reads + 1));
    // More pushes while that read is under way: it is neither cancelled nor repeated yet.
    await backend.pushChange(2, { status: "acknowledged" });
    await backend.pushChange(3, { status: "acknowledged" });
    expect(backend.count("list_events")).toBe(reads + 1);
    release();
    // Then exactly one more read, which shows every change.
    await waitFor(() => expect(within(row(3)).getByText("Acknowledged")).toBeInTheDocument());
    expect(within(row(2)).getByText("Acknowledged")).toBeInTheDocument();
    expect(backend.count("list_events")).toBe(reads + 2);
  });

  it("starts from the view in the URL", async () => {
    window.history.replaceState(null, "", "/?status=acknowledged&size=25");
    const backend = new FakeBackend(5);
    backend.replace({ ...backend.find(2), status: "acknowledged", version: 2 });
    renderApp();
    await waitFor(() => expect(rowIds()).toEqual([2]));
    expect(screen.getByRole("checkbox", { name: "Acknowledged" })).toBeChecked();
    expect(screen.getByLabelText("Rows per page")).toHaveValue("25");
  });

  it("shows a malformed search as an error and keeps working", async () => {
    const backend = new FakeBackend(3);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toHaveLength(3));
    backend.failNext = {
      cmd: "list_events",
      error: {
        type: "InvalidInput",
        data: { field: "search", message: 'has a quote (") that is not closed' },
      },
    };
    // One input (a paste): one read, the one that fails.
    await user.click(screen.getByRole("searchbox", { name: "Search events" }));
    await user.paste('"card');
    expect(await screen.findByRole("alert")).toHaveTextContent(
      'Invalid search: has a quote (") that is not closed.',
    );
  });
});
