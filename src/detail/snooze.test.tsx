import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { FakeBackend } from "../test/fakeBackend";
import { renderApp } from "../test/renderApp";

function rowIds(): number[] {
  return Array.from(document.querySelectorAll("tbody tr[data-event-id]")).map((tr) =>
    Number(tr.getAttribute("data-event-id")),
  );
}

describe("snooze", () => {
  it("snoozes an event from its detail pane: it leaves the table, is counted, shows in the Snoozed view, and wakes", async () => {
    const backend = new FakeBackend(3);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    await user.click(
      within(document.querySelector<HTMLElement>('tr[data-event-id="2"]')!).getByRole("button", {
        name: backend.events[1]!.title,
      }),
    );
    const pane = await screen.findByRole("complementary", { name: "Event #2" });
    await user.selectOptions(within(pane).getByRole("combobox", { name: "Snooze for" }), "240");
    const before = Date.now();
    await user.click(within(pane).getByRole("button", { name: "Snooze" }));
    await waitFor(() => expect(rowIds()).toEqual([3, 1]));
    expect(screen.getByText("1 snoozed")).toBeInTheDocument();
    const call = backend.calls.filter((c) => c.cmd === "snooze_events").at(-1);
    const until = (call?.args as { until: number }).until;
    expect(until - before).toBeGreaterThanOrEqual(240 * 60_000);
    expect(until - Date.now()).toBeLessThanOrEqual(240 * 60_000);
    expect(await within(pane).findByText(/^Snoozed until /)).toBeInTheDocument();

    // The Snoozed view shows it alone, marked; the URL keeps the view.
    await user.selectOptions(screen.getByRole("combobox", { name: "Snoozed" }), "only");
    await waitFor(() => expect(rowIds()).toEqual([2]));
    expect(document.querySelector('tr[data-event-id="2"] .snoozed-until')).toHaveTextContent(
      /^snoozed until /,
    );
    expect(window.location.search).toBe("?snoozed=only");
    await user.selectOptions(screen.getByRole("combobox", { name: "Snoozed" }), "hide");
    await waitFor(() => expect(rowIds()).toEqual([3, 1]));

    // Woken: back in the table, and no longer counted.
    await user.click(within(pane).getByRole("button", { name: "Wake" }));
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    await waitFor(() => expect(document.querySelector(".snoozed-count")).toBeNull());
    expect(backend.calls.filter((c) => c.cmd === "snooze_events").at(-1)?.args).toMatchObject({
      until: null,
    });
  });

  it("reads the table again when a snooze ends by itself", async () => {
    const backend = new FakeBackend(3);
    renderApp();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    // Another desk snoozes event 1 for a moment: the push takes it out of the table.
    await backend.pushChange(1, { snoozedUntil: Date.now() + 300, version: 2 });
    await waitFor(() => expect(rowIds()).toEqual([3, 2]));
    // Its time passes: nothing is pushed, the window reads the page again then.
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]), { timeout: 3_000 });
  });
});

describe("bulk snooze", () => {
  it("snoozes the ticked rows for the chosen time and says how it went", async () => {
    const backend = new FakeBackend(4);
    backend.events.find((e) => e.id === 3)!.status = "completed";
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([4, 3, 2, 1]));
    for (const id of [4, 3, 2]) await user.click(screen.getByLabelText(`Select event ${id}`));
    await user.selectOptions(screen.getByRole("combobox", { name: "Snooze selected for" }), "15");
    const before = Date.now();
    await user.click(screen.getByRole("button", { name: "Snooze selected" }));
    await waitFor(() => expect(rowIds()).toEqual([3, 1]));
    expect(
      await screen.findByText(/^Snoozed 2 · 0 conflicts · 0 not found · 1 skipped/),
    ).toBeInTheDocument();
    const until = (
      backend.calls.filter((c) => c.cmd === "snooze_events").at(-1)?.args as {
        until: number;
      }
    ).until;
    expect(until - before).toBeGreaterThanOrEqual(15 * 60_000);
    expect(until - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    expect(screen.getByText("2 snoozed")).toBeInTheDocument();
  });
});

describe("snooze from the keyboard", () => {
  it("z snoozes the current row for an hour; its count opens the Snoozed view", async () => {
    const backend = new FakeBackend(3);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    await user.keyboard("j");
    await user.keyboard("z");
    await waitFor(() => expect(rowIds()).toEqual([2, 1]));
    const until = (
      backend.calls.filter((c) => c.cmd === "snooze_events").at(-1)?.args as {
        until: number;
      }
    ).until;
    expect(Math.abs(until - (Date.now() + 3_600_000))).toBeLessThan(5_000);
    await user.click(screen.getByRole("button", { name: "1 snoozed" }));
    await waitFor(() => expect(rowIds()).toEqual([3]));
    expect(window.location.search).toBe("?snoozed=only");
  });
});
