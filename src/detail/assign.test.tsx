import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { FakeBackend } from "../test/fakeBackend";
import { renderApp } from "../test/renderApp";

function rowIds(): number[] {
  return Array.from(document.querySelectorAll("tbody tr[data-event-id]")).map((tr) =>
    Number(tr.getAttribute("data-event-id")),
  );
}

describe("claim and assign", () => {
  it("takes an event from its detail pane; Mine and Unassigned show it and the rest; Release gives it back", async () => {
    const backend = new FakeBackend(3);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    await user.click(screen.getByRole("button", { name: backend.events[1]!.title }));
    const pane = await screen.findByRole("complementary", { name: "Event #2" });
    expect(within(pane).getByText("Unassigned")).toBeInTheDocument();
    await user.click(within(pane).getByRole("button", { name: "Take" }));
    expect(await within(pane).findByText("Yours")).toBeInTheDocument();
    expect(backend.calls.find((c) => c.cmd === "assign_events")?.args).toEqual({
      targets: [{ id: 2, expectedVersion: 1 }],
      assignee: "user",
    });
    await waitFor(() =>
      expect(document.querySelector('tr[data-event-id="2"] .assignee-mark')).toHaveTextContent(
        "you",
      ),
    );

    await user.selectOptions(screen.getByRole("combobox", { name: "Assigned" }), "mine");
    await waitFor(() => expect(rowIds()).toEqual([2]));
    expect(window.location.search).toBe("?assigned=mine");
    await user.selectOptions(screen.getByRole("combobox", { name: "Assigned" }), "none");
    await waitFor(() => expect(rowIds()).toEqual([3, 1]));

    await user.click(within(pane).getByRole("button", { name: "Release" }));
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    expect(backend.calls.filter((c) => c.cmd === "assign_events").at(-1)?.args).toMatchObject({
      assignee: null,
    });
  });

  it("says who has it when another desk took it first", async () => {
    const backend = new FakeBackend(1);
    const { user } = renderApp();
    await user.click(await screen.findByRole("button", { name: backend.events[0]!.title }));
    const pane = await screen.findByRole("complementary", { name: "Event #1" });
    // Another desk takes it meanwhile (no push reaches this window before the click).
    backend.events[0] = { ...backend.events[0]!, assignee: "operator:bob", version: 2 };
    await user.click(within(pane).getByRole("button", { name: "Take" }));
    expect(await within(pane).findByRole("alert")).toHaveTextContent(
      "Event #1 changed meanwhile: bob has it now.",
    );
  });

  it("t takes the current row, and Take selected the ticked ones", async () => {
    const backend = new FakeBackend(3);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([3, 2, 1]));
    await user.keyboard("j");
    await user.keyboard("t");
    await waitFor(() =>
      expect(document.querySelector('tr[data-event-id="3"] .assignee-mark')).toHaveTextContent(
        "you",
      ),
    );
    expect(await screen.findByText(/^Took 1 · 0 conflicts/)).toBeInTheDocument();
    await user.keyboard("j");
    await user.keyboard(" ");
    await user.keyboard("j");
    await user.keyboard(" ");
    await user.click(screen.getByRole("button", { name: "Take selected" }));
    await waitFor(() => expect(backend.events.every((e) => e.assignee === "user")).toBe(true));
  });
});
