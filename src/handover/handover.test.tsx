import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { emptyHandover, FakeBackend, T0 } from "../test/fakeBackend";
import { renderApp } from "../test/renderApp";

describe("since you left", () => {
  it("opens at start when something changed since the operator last looked, and links to the events", async () => {
    const backend = new FakeBackend(5);
    const title = (id: number) => backend.events.find((e) => e.id === id)?.title ?? "";
    backend.handover = {
      seenAt: T0 - 3_600_000,
      handover: {
        ...emptyHandover(),
        changes: 7,
        created: {
          count: 3,
          critical: 1,
          events: [5, 4, 3].map((id) => ({ id, title: title(id), severity: "warning" })),
        },
        completed: {
          count: 12,
          critical: 0,
          events: [{ id: 2, title: title(2), severity: "info" }],
        },
        silencesMade: [{ id: 1, comment: "deploy", author: "operator:bob", at: T0 }],
      },
    };
    const { user } = renderApp();
    const panel = await screen.findByRole("region", { name: "Since you left" });
    const line = (name: string) => panel.querySelector(`[data-line="${name}"]`) as HTMLElement;
    await waitFor(() => expect(line("created")).toHaveTextContent("3 new events (1 critical)"));
    expect(line("completed")).toHaveTextContent("12 completed by others");
    expect(line("completed")).toHaveTextContent("and 11 more");
    expect(line("silences-made")).toHaveTextContent("#1 deploy — bob");
    expect(panel.querySelector('[data-line="raised"]')).toBeNull();
    await user.click(within(line("created")).getByRole("button", { name: `#4 ${title(4)}` }));
    expect(await screen.findByRole("heading", { name: "Event #4" })).toBeInTheDocument();

    // Over the last 8 hours instead, then marked as read.
    await user.selectOptions(within(panel).getByLabelText("From"), "8");
    await waitFor(() => {
      const since = backend.calls.filter((c) => c.cmd === "handover").at(-1)?.args as {
        since: number | null;
      };
      expect(since.since).toBeGreaterThan(Date.now() - 8 * 3_600_000 - 60_000);
    });
    await user.click(within(panel).getByRole("button", { name: "Mark as read" }));
    await waitFor(() => expect(backend.handover.seenAt).toBeGreaterThan(T0));
  });

  it("on a desk's first start remembers the moment and opens nothing", async () => {
    const backend = new FakeBackend(3);
    renderApp();
    await waitFor(() => expect(backend.handover.seenAt).not.toBeNull());
    expect(screen.queryByRole("region", { name: "Since you left" })).toBeNull();
  });
});
