import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { FakeBackend } from "../test/fakeBackend";
import { renderApp } from "../test/renderApp";
import { matchersText, stateOf } from "./SilencesPanel";

function rowIds(): number[] {
  return Array.from(document.querySelectorAll("tbody tr[data-event-id]")).map((tr) =>
    Number(tr.getAttribute("data-event-id")),
  );
}

describe("silences", () => {
  it("silences events like one from its detail pane, hides and counts them, shows them marked, and expires", async () => {
    const backend = new FakeBackend(4);
    backend.labels.set(2, [{ key: "team", value: "db" }]);
    backend.labels.set(4, [{ key: "team", value: "db" }]);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([4, 3, 2, 1]));
    await user.click(
      within(document.querySelector<HTMLElement>('tr[data-event-id="2"]')!).getByText(
        "payments-api",
      ),
    );
    const pane = await screen.findByRole("complementary", { name: "Event #2" });
    await user.click(await within(pane).findByRole("button", { name: "Silence similar…" }));
    const form = await screen.findByRole("form", { name: "New silence" });
    expect(within(form).getByRole("textbox", { name: "Matchers" })).toHaveValue(
      '{label.team="db"}',
    );
    expect(await within(form).findByText("Matches 2 open events now")).toBeInTheDocument();
    // A silence says why.
    await user.click(within(form).getByRole("button", { name: "Silence" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent("say why");
    await user.type(within(form).getByRole("textbox", { name: "Why" }), "db maintenance");
    await user.click(within(form).getByRole("button", { name: "Silence" }));
    await waitFor(() => expect(rowIds()).toEqual([3, 1]));
    expect(screen.getByText("2 silenced")).toBeInTheDocument();
    const list = screen.getByRole("list", { name: "Every silence" });
    expect(within(list).getByText('{label.team="db"}')).toBeInTheDocument();
    const adds = backend.calls.filter((c) => c.cmd === "add_silence");
    expect(adds[adds.length - 1]?.args).toMatchObject({
      draft: {
        matchers: [{ name: "label.team", op: "=", value: "db" }],
        comment: "db maintenance",
      },
    });
    // Shown, each marked with its silence.
    await user.selectOptions(screen.getByRole("combobox", { name: "Silenced" }), "show");
    await waitFor(() => expect(rowIds()).toEqual([4, 3, 2, 1]));
    expect(document.querySelector('tr[data-event-id="4"]')).toHaveAttribute(
      "data-silenced-by",
      "1",
    );
    expect(document.querySelector('tr[data-event-id="3"]')).not.toHaveAttribute("data-silenced-by");
    expect(window.location.search).toBe("?silenced=show");
    await user.selectOptions(screen.getByRole("combobox", { name: "Silenced" }), "hide");
    await waitFor(() => expect(rowIds()).toEqual([3, 1]));
    // Expired early: they are back.
    await user.click(within(list).getByRole("button", { name: "Expire" }));
    await waitFor(() => expect(rowIds()).toEqual([4, 3, 2, 1]));
    expect(document.querySelector(".silenced-count")).toBeNull();
  });

  it("shows where written matchers are wrong and saves nothing", async () => {
    const backend = new FakeBackend(2);
    const { user } = renderApp();
    await waitFor(() => expect(rowIds()).toEqual([2, 1]));
    await user.click(screen.getByRole("button", { name: "Silences" }));
    const form = await screen.findByRole("form", { name: "New silence" });
    await user.type(within(form).getByRole("textbox", { name: "Matchers" }), "source~x");
    expect(await within(form).findByText(/cannot read source~x/)).toBeInTheDocument();
    expect(within(form).getByRole("button", { name: "Silence" })).toBeDisabled();
    expect(backend.calls.some((c) => c.cmd === "add_silence")).toBe(false);
  });

  it("writes matchers as the core reads them and knows a silence's state", () => {
    expect(
      matchersText([
        { name: "title", op: "=~", value: 'say "hi"\\' },
        { name: "label.env", op: "!=", value: "prod" },
      ]),
    ).toBe('{title=~"say \\"hi\\"\\\\", label.env!="prod"}');
    const s = {
      id: 1,
      version: 1,
      matchers: [],
      startsAt: 100,
      endsAt: 200,
      author: "user",
      comment: "c",
      madeAt: 0,
      teamKey: null,
    };
    expect([stateOf(s, 99), stateOf(s, 100), stateOf(s, 200)]).toEqual([
      "pending",
      "active",
      "expired",
    ]);
  });
});
