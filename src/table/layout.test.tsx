import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import {
  COLUMN_WIDTHS,
  columnLayout,
  MIN_TITLE_BESIDE_DETAIL,
  tableLayout,
  TITLE_SHARE,
} from "./columns";
import { FakeBackend } from "../test/fakeBackend";
import { renderApp } from "../test/renderApp";

const headers = () =>
  [...document.querySelectorAll("table.events thead th")].map((th) => th.className);
const fixedSum = Object.values(COLUMN_WIDTHS).reduce((a, b) => a + b, 0);

describe("column layout", () => {
  it("shows every column when the title keeps its share", () => {
    const wide = Math.ceil(fixedSum / (1 - TITLE_SHARE)) + 1;
    const { hidden, titleWidth } = columnLayout(wide);
    expect(hidden.size).toBe(0);
    expect(titleWidth / wide).toBeGreaterThanOrEqual(TITLE_SHARE);
  });

  it("steps Kind aside first, then Updated, then Source, and stops as soon as the title has room", () => {
    const widths = [1920, 1246, 1231, 990, 850, 700, 400];
    const seen = widths.map((w) => [...columnLayout(w).hidden]);
    for (const hidden of seen)
      expect(["kind", "updatedAt", "source"].slice(0, hidden.length)).toEqual(hidden);
    // Narrower never shows more.
    for (let i = 1; i < seen.length; i++)
      expect(seen[i]!.length).toBeGreaterThanOrEqual(seen[i - 1]!.length);
    // At the window's default width (1280 px less its margins and scroll bar) only Kind steps aside,
    // and the title has at least 35% of the table.
    const at1280 = columnLayout(1231);
    expect([...at1280.hidden]).toEqual(["kind"]);
    expect(at1280.titleWidth / 1231).toBeGreaterThanOrEqual(TITLE_SHARE);
    expect(columnLayout(1920).hidden.size).toBe(0);
    // Where even three columns aside leave the title short, nothing more is taken away.
    expect(columnLayout(400).hidden.size).toBe(3);
  });
});

describe("the detail pane", () => {
  it("sits beside the table while the title keeps its room, and over it in a narrow window", () => {
    // 1280 px: beside, with the three columns that can step aside gone.
    const wide = tableLayout(1280, true);
    expect(wide.overlay).toBe(false);
    expect([...wide.hidden].sort()).toEqual(["kind", "source", "updatedAt"]);
    // 1024 px: beside it the title would get less than MIN_TITLE_BESIDE_DETAIL.
    const narrow = tableLayout(1024, true);
    expect(narrow.overlay).toBe(true);
    expect(columnLayout(1024 - 49 - 392).titleWidth).toBeLessThan(MIN_TITLE_BESIDE_DETAIL);
    // Without the pane, and before the first layout, nothing lies over anything.
    expect(tableLayout(1024, false).overlay).toBe(false);
    expect(tableLayout(null, true)).toEqual({ hidden: new Set(), overlay: false });
  });
});

describe("density and panels", () => {
  it("saves the density, marks the table compact, and shows the whole title in a tooltip", async () => {
    const backend = new FakeBackend(3);
    const { user } = renderApp();
    await waitFor(() =>
      expect(document.querySelectorAll("tbody tr[data-event-id]").length).toBe(3),
    );
    expect(document.querySelector("table.events")?.classList.contains("density-comfortable")).toBe(
      true,
    );
    await user.click(screen.getByRole("button", { name: "Settings" }));
    await user.selectOptions(await screen.findByLabelText("Rows"), "compact");
    await waitFor(() => expect(backend.settings.density).toBe("compact"));
    await waitFor(() =>
      expect(document.querySelector("table.events")?.classList.contains("density-compact")).toBe(
        true,
      ),
    );
    const first = backend.events.at(-1)!;
    const title = screen.getByRole("button", { name: first.title });
    expect(title.getAttribute("title")).toBe(first.title);
  });

  it("opens panels in a drawer beside the table and closes them with Escape or Close", async () => {
    new FakeBackend(3);
    const { user } = renderApp();
    await waitFor(() =>
      expect(document.querySelectorAll("tbody tr[data-event-id]").length).toBe(3),
    );
    const before = headers();
    await user.click(screen.getByRole("button", { name: "Settings" }));
    await user.click(screen.getByRole("button", { name: "Simulator" }));
    const drawer = screen.getByRole("complementary", { name: "Panels" });
    expect(within(drawer).getByRole("heading", { name: "Settings" })).toBeInTheDocument();
    expect(within(drawer).getByRole("heading", { name: /Simulator/ })).toBeInTheDocument();
    // The table is still there, with the same columns.
    expect(headers()).toEqual(before);
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("complementary", { name: "Panels" })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Settings" }));
    await user.click(
      within(screen.getByRole("complementary", { name: "Panels" })).getByRole("button", {
        name: "Close panels",
      }),
    );
    expect(screen.queryByRole("complementary", { name: "Panels" })).toBeNull();
  });
});
