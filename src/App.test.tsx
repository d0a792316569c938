import { describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { App } from "./App";
import { FakeBackend } from "./test/fakeBackend";

function renderApp() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const user = userEvent.setup();
  const view = render(
    <QueryClientProvider client={client}>
      <App />
    </QueryClientProvider>,
  );
  return { user, view };
}

function rowIds(): number[] {
  return Array.from(document.querySelectorAll("tbody tr[data-event-id]")).map((tr) => Number(tr.getAttribute("data-event-id")));
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
    expect(headers).toEqual(["Time", "Severity", "Kind", "Source", "Title", "Status", "Action"]);
    expect(within(row(3)).getByText("txn.timeout")).toBeInTheDocument();
    expect(within(row(3)).getByRole("button", { name: "Complete" })).toBeEnabled();
    expect(screen.getByText("Page 1 of 1")).toBeInTheDocument();
    expect(screen.getByText("3 events")).toBeInTheDocument();
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
    expect(backend.calls.find((c) => c.cmd === "complete_event")?.args).toEqual({ id: 1, expectedVersion: 1 });
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
    await backend.pushChange(1, { status: "open", reopenedBy: "simulator", reopenedAt: Date.now(), updatedBy: "simulator" });
    await waitFor(() => expect(within(row(1)).getByText(/reopened by simulator/)).toBeInTheDocument());
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

  it("reads the page again when a push shows that changes were missed", async () => {
    const backend = new FakeBackend(3);
    renderApp();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    backend.changeSilently(3, { severity: "critical" });
    const reads = backend.count("list_events");
    await backend.pushChange(1, { status: "acknowledged" }, 0);
    await waitFor(() => expect(backend.count("list_events")).toBe(reads + 1));
    await waitFor(() => expect(within(row(3)).getByText("critical")).toBeInTheDocument());
  });

  it("explains a conflict and shows the current row", async () => {
    const backend = new FakeBackend(2);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([2, 1]));
    backend.changeSilently(2, { severity: "critical", status: "acknowledged" });
    await user.click(within(row(2)).getByRole("button", { name: "Complete" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Event #2 changed before your action reached it");
    expect(alert).toHaveTextContent("critical and acknowledged");
    await waitFor(() => expect(within(row(2)).getByText("critical")).toBeInTheDocument());
    expect(within(row(2)).getByText("Acknowledged")).toBeInTheDocument();
    expect(row(2)).toHaveAttribute("data-version", "2");
  });

  it("shows a failed command in the window", async () => {
    const backend = new FakeBackend(1);
    backend.failNext = { type: "NotEventdeskDatabase", data: { path: "/tmp/x.db", reason: "it is not an SQLite file" } };
    renderApp();
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("/tmp/x.db is not an Eventdesk database (it is not an SQLite file)");
  });

  it("shows a failed completion and keeps the row", async () => {
    const backend = new FakeBackend(1);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([1]));
    backend.failNext = { type: "Storage", data: { message: "disk I/O error" } };
    await user.click(within(row(1)).getByRole("button", { name: "Complete" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not complete event #1: Storage error: disk I/O error");
    expect(within(row(1)).getByRole("button", { name: "Complete" })).toBeEnabled();
  });

  it("opens an event's history", async () => {
    new FakeBackend(2);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([2, 1]));
    await user.click(within(row(2)).getByRole("button", { name: "Card authorisations timing out for merchant 2" }));
    const history = await screen.findByRole("list", { name: "History" });
    expect(within(history).getByText(/created/)).toBeInTheDocument();
  });
});
