import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { emit } from "@tauri-apps/api/event";
import { actorName } from "../format";
import type { Sender } from "../bindings";
import { FakeBackend, makeEvent, T0 } from "../test/fakeBackend";
import { renderApp } from "../test/renderApp";

function row(id: number): HTMLElement {
  const tr = document.querySelector<HTMLElement>(`tr[data-event-id="${id}"]`);
  if (!tr) throw new Error(`row ${id} is not shown`);
  return tr;
}

describe("events from sources", () => {
  it("lists who sends, the silent ones marked since when, and follows pushes", async () => {
    const backend = new FakeBackend(1);
    const sender = (name: string, over: Partial<Sender> = {}): Sender => ({
      way: "alertmanager",
      name,
      heartbeat: false,
      firstAt: T0,
      lastAt: T0 + 60_000,
      heard: 12,
      gapMs: 30_000,
      spreadMs: 1_000,
      silentSince: null,
      learned: true,
      ...over,
    });
    backend.sources = { ...backend.sources, senders: [sender("DiskFull")] };
    const { user } = renderApp();
    await user.click(await screen.findByRole("button", { name: "Sources" }));
    const table = await screen.findByRole("table", { name: "Senders" });
    const line = (key: string) => table.querySelector(`tr[data-sender="${key}"]`);
    expect(line("alertmanager/DiskFull")).toHaveTextContent("every 30 s");
    expect(line("alertmanager/DiskFull")).toHaveTextContent("heard");
    await emit("sources-changed", {
      ...backend.sources,
      senders: [
        sender("Watchdog", { heartbeat: true, gapMs: 60_000, silentSince: T0 + 60_000 }),
        sender("DiskFull"),
      ],
    });
    await waitFor(() => expect(line("alertmanager/Watchdog")).toHaveClass("silent"));
    expect(line("alertmanager/Watchdog")).toHaveTextContent(/every 60 s.*silent since /);
    expect(actorName("timer:senders")).toBe("sender watch");
  });

  it("names who made a change: you, the simulator, an operator or the source", () => {
    expect(actorName("user")).toBe("you");
    expect(actorName("simulator")).toBe("simulator");
    expect(actorName("source:rabbitmq:alerts")).toBe("rabbitmq:alerts");
    expect(actorName("operator:Ana Lima")).toBe("Ana Lima");
  });

  it("shows how often an event was raised, and who completed it", async () => {
    const backend = new FakeBackend(0);
    backend.events = [
      makeEvent(1, {
        occurrences: 4,
        dedupKey: "disk/db-7",
        status: "completed",
        completedBy: "source:alertmanager",
        completedAt: 5,
        updatedBy: "source:alertmanager",
      }),
    ];
    renderApp();
    await waitFor(() => expect(within(row(1)).getByText("×4")).toBeInTheDocument());
    expect(within(row(1)).getByText("Completed by alertmanager")).toBeInTheDocument();
  });

  it("shows the source's key, details and links, and opens a link through Rust", async () => {
    const backend = new FakeBackend(0);
    backend.events = [
      makeEvent(1, { dedupKey: "disk/db-7", occurrences: 2, updatedBy: "source:pagerduty" }),
    ];
    backend.fromSource.set(1, {
      details: JSON.stringify({
        labels: { alertname: "DiskFull", severity: "page" },
        receiver: "<b>ops</b>",
      }),
      links: [{ href: "https://runbooks.example/disk", text: "Runbook" }],
    });
    const { user } = renderApp();
    await waitFor(() => expect(row(1)).toBeInTheDocument());
    await user.click(within(row(1)).getByRole("button", { name: /merchant 1/ }));
    const pane = await screen.findByRole("complementary", { name: "Event #1" });
    const from = await within(pane).findByRole("region", { name: "From the source" });
    expect(within(from).getByText("disk/db-7")).toBeInTheDocument();
    expect(within(from).getByText(/2 times/)).toBeInTheDocument();
    const details = within(from).getByLabelText("Details from the source");
    expect(within(details).getByText("DiskFull")).toBeInTheDocument();
    // Text, never markup.
    expect(within(details).getByText("<b>ops</b>")).toBeInTheDocument();
    expect(within(pane).getByText(/by pagerduty/)).toBeInTheDocument();
    await user.click(within(from).getByRole("button", { name: "Runbook" }));
    expect(backend.calls.find((c) => c.cmd === "open_link")?.args).toEqual({ id: 1, index: 0 });
    // A link that cannot be opened says why, in the pane.
    backend.failNext = {
      cmd: "open_link",
      error: {
        type: "InvalidInput",
        data: { field: "link", message: "only http and https links open" },
      },
    };
    await user.click(within(from).getByRole("button", { name: "Runbook" }));
    expect(await within(from).findByRole("alert")).toHaveTextContent(
      "only http and https links open",
    );
  });
});

describe("the Sources panel", () => {
  it("turns the HTTP endpoint on and shows where senders point, and the token", async () => {
    const backend = new FakeBackend(1);
    const { user } = renderApp();
    await user.click(screen.getByRole("button", { name: "Sources" }));
    const panel = await screen.findByRole("region", { name: "Sources" });
    expect(await within(panel).findByText("Off")).toBeInTheDocument();
    const port = within(panel).getByLabelText("Port");
    await user.clear(port);
    await user.type(port, "80");
    await user.click(within(panel).getByRole("button", { name: "Turn on" }));
    expect(await within(panel).findByRole("alert")).toHaveTextContent("1024 to 65535");
    await user.clear(port);
    await user.type(port, "9011");
    await user.click(within(panel).getByRole("button", { name: "Turn on" }));
    expect(
      await within(panel).findByText("Listening on http://127.0.0.1:9011"),
    ).toBeInTheDocument();
    expect(within(panel).getByText("http://127.0.0.1:9011/v2/enqueue")).toBeInTheDocument();
    expect(within(panel).getByText("http://127.0.0.1:9011/alertmanager")).toBeInTheDocument();
    await user.click(within(panel).getByRole("button", { name: "Show token" }));
    expect(await within(panel).findByText(/Bearer token-1/)).toBeInTheDocument();
    await user.click(within(panel).getByRole("button", { name: "New token" }));
    expect(await within(panel).findByText(/Bearer token-2/)).toBeInTheDocument();
    await user.click(within(panel).getByRole("button", { name: "Turn off" }));
    expect(await within(panel).findByText("Off")).toBeInTheDocument();
    expect(backend.sources.http.enabled).toBe(false);
  });

  it("joins sources that share dedup keys, one group a line, and shows a refusal", async () => {
    const backend = new FakeBackend(1);
    const { user } = renderApp();
    await user.click(screen.getByRole("button", { name: "Sources" }));
    const panel = await screen.findByRole("region", { name: "Sources" });
    expect(await within(panel).findByText(/dedup keys are its own/)).toBeInTheDocument();
    const form = within(panel).getByRole("form", { name: "Shared dedup keys" });
    const groups = within(form).getByRole("textbox");
    await user.type(groups, "pagerduty");
    await user.click(within(form).getByRole("button", { name: "Save groups" }));
    expect(await within(panel).findByRole("alert")).toHaveTextContent("a group joins 2");
    expect(backend.dedupGroups.groups).toEqual([]);
    await user.type(groups, ", source:alertmanager{Enter}rabbitmq:alerts, stdin");
    await user.click(within(form).getByRole("button", { name: "Save groups" }));
    expect(
      await within(panel).findByText(
        "Shared within each group: pagerduty + alertmanager; rabbitmq:alerts + stdin.",
      ),
    ).toBeInTheDocument();
    expect(backend.dedupGroups.groups).toEqual([
      ["pagerduty", "alertmanager"],
      ["rabbitmq:alerts", "stdin"],
    ]);
    expect(groups).toHaveValue("pagerduty, alertmanager\nrabbitmq:alerts, stdin");
  });

  it("shows the simulator as one more source and pauses it", async () => {
    const backend = new FakeBackend(1);
    const { user } = renderApp();
    await user.click(screen.getByRole("button", { name: "Sources" }));
    const panel = await screen.findByRole("region", { name: "Sources" });
    expect(await within(panel).findByText("Running, 2 changes/s")).toBeInTheDocument();
    await user.click(within(panel).getByRole("button", { name: "Pause simulator" }));
    expect(await within(panel).findByText("Paused")).toBeInTheDocument();
    expect(backend.simulator.running).toBe(false);
  });

  it("adds a queue, shows its state as Rust pushes it, and stops reading it", async () => {
    const backend = new FakeBackend(1);
    const { user } = renderApp();
    await user.click(screen.getByRole("button", { name: "Sources" }));
    const panel = await screen.findByRole("region", { name: "Sources" });
    const form = await within(panel).findByRole("form", { name: "Read a queue" });
    await user.type(within(form).getByLabelText("URL"), "http://mq:5672");
    await user.type(within(form).getByLabelText("Queue"), "alerts");
    await user.click(within(form).getByRole("button", { name: "Read queue" }));
    expect(await within(panel).findByRole("alert")).toHaveTextContent("amqp://");
    await user.clear(within(form).getByLabelText("URL"));
    await user.type(within(form).getByLabelText("URL"), "amqp://ops:secret@mq:5672/%2f");
    await user.click(within(form).getByRole("button", { name: "Read queue" }));
    const queues = within(panel).getByRole("list", { name: "Queues" });
    expect(await within(queues).findByText("alerts")).toBeInTheDocument();
    expect(within(queues).getByText("Connecting…")).toBeInTheDocument();
    expect(queues.textContent).not.toContain("secret");
    // Rust pushes the state as it changes.
    const offline = structuredClone(backend.sources);
    const first = offline.queues[0];
    if (!first) throw new Error("no queue");
    first.status.state = {
      state: "offline",
      since: Date.UTC(2026, 10, 26, 8, 0),
      error: "RabbitMQ: connection refused",
    };
    await emit("sources-changed", offline);
    expect(
      await within(queues).findByText(/connection refused \(trying again\)/),
    ).toBeInTheDocument();
    // The desk's own file, not the broker, holds it up: said as such.
    const held = structuredClone(offline);
    const h = held.queues[0];
    if (!h) throw new Error("no queue");
    h.status.state = {
      state: "held",
      since: Date.UTC(2026, 10, 26, 8, 0),
      error: "the disk is full",
    };
    await emit("sources-changed", held);
    expect(
      await within(queues).findByText(/the disk is full \(the broker is fine; trying again\)/),
    ).toBeInTheDocument();
    // What it did, its rate and the messages it rejected lately.
    const busy = structuredClone(offline);
    const q = busy.queues[0];
    if (!q) throw new Error("no queue");
    q.status.state = { state: "connected", since: Date.UTC(2026, 10, 26, 8, 1) };
    q.status.activity = {
      counts: {
        applied: 120,
        rejected: 2,
        duplicates: 0,
        created: 90,
        updated: 28,
        acknowledged: 0,
        completed: 2,
        ignored: 0,
        reopened: 0,
        conflicts: 0,
      },
      perSecond: 12.5,
      last: "offset 121",
      lastAt: Date.UTC(2026, 10, 26, 8, 1, 9),
      rejections: [
        {
          at: Date.UTC(2026, 10, 26, 8, 1, 5),
          firstAt: Date.UTC(2026, 10, 26, 8, 0, 40),
          count: 2,
          place: "offset 97",
          reason: "body: is not JSON: expected value at line 1 column 1",
        },
      ],
    };
    await emit("sources-changed", busy);
    expect(await within(queues).findByText(/120 applied, 2 rejected/)).toBeInTheDocument();
    expect(within(queues).getByText("12.5 messages/s")).toBeInTheDocument();
    expect(within(queues).getByText(/last at offset 121/)).toBeInTheDocument();
    expect(within(queues).getByText("Rejected lately: 2 messages, 1 reason")).toBeInTheDocument();
    const rejected = within(queues).getByRole("list", { name: "Rejected messages" });
    expect(rejected).toHaveTextContent("offset 97: body: is not JSON");
    expect(rejected).toHaveTextContent("×2 since");
    // Paused and resumed; edited.
    await user.click(within(queues).getByRole("button", { name: "Pause alerts" }));
    expect(await within(queues).findByText("Paused")).toBeInTheDocument();
    expect(backend.calls.find((c) => c.cmd === "change_queue_source")?.args).toEqual({
      id: "q1",
      url: null,
      format: "auto",
      paused: true,
    });
    await user.click(within(queues).getByRole("button", { name: "Resume alerts" }));
    expect(await within(queues).findByText("Connecting…")).toBeInTheDocument();
    await user.click(within(queues).getByRole("button", { name: "Edit alerts" }));
    const edit = within(queues).getByRole("form", { name: "Edit alerts" });
    await user.selectOptions(within(edit).getByLabelText("Messages"), "alertmanager");
    await user.click(within(edit).getByRole("button", { name: "Save" }));
    await waitFor(() =>
      expect(within(queues).queryByRole("form", { name: "Edit alerts" })).toBeNull(),
    );
    expect(backend.sources.queues[0]?.format).toBe("alertmanager");
    await user.click(within(queues).getByRole("button", { name: "Stop reading alerts" }));
    expect(await within(panel).findByText("No queues are read.")).toBeInTheDocument();
  });
});
