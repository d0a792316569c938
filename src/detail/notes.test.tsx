import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { FakeBackend } from "../test/fakeBackend";
import { renderApp } from "../test/renderApp";

describe("notes", () => {
  it("adds a note from the detail pane with Ctrl+Enter; it shows in the timeline and the box empties", async () => {
    const backend = new FakeBackend(3);
    const { user } = renderApp();
    await user.click(await screen.findByRole("button", { name: backend.events[1]!.title }));
    const pane = await screen.findByRole("complementary", { name: "Event #2" });
    const box = within(pane).getByRole("textbox", { name: "New note" });
    expect(within(pane).getByRole("button", { name: "Add note" })).toBeDisabled();
    await user.type(box, "  Rebooted db-7{Enter}watching it");
    expect(within(pane).getByText("25/2000")).toBeInTheDocument();
    await user.keyboard("{Control>}{Enter}{/Control}");
    await waitFor(() => expect(box).toHaveValue(""));
    expect(backend.calls.find((c) => c.cmd === "add_note")?.args).toEqual({
      id: 2,
      text: "  Rebooted db-7\nwatching it",
    });
    const note = await within(pane).findByText(/Rebooted db-7/);
    expect(note).toHaveClass("note-text");
    expect(note.closest("li")).toHaveAttribute("data-field", "note");
    expect(note.closest("li")).toHaveTextContent(/left a note:/);
  });

  it("shows the core's refusal where the note was typed and keeps the text", async () => {
    const backend = new FakeBackend(1);
    const { user } = renderApp();
    await user.click(await screen.findByRole("button", { name: backend.events[0]!.title }));
    const pane = await screen.findByRole("complementary", { name: "Event #1" });
    const box = within(pane).getByRole("textbox", { name: "New note" });
    await user.type(box, "disk swapped");
    backend.failNext = {
      cmd: "add_note",
      error: { type: "Offline", data: { since: 0, message: "the broker is unreachable" } },
    };
    await user.click(within(pane).getByRole("button", { name: "Add note" }));
    expect(await within(pane).findByRole("alert")).toHaveTextContent(/unreachable/);
    expect(box).toHaveValue("disk swapped");
  });
});
