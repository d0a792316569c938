import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { emit } from "@tauri-apps/api/event";
import type { TeamStatus } from "../bindings";
import { FakeBackend } from "../test/fakeBackend";
import { renderApp } from "../test/renderApp";

const counts = {
  applied: 12,
  rejected: 0,
  duplicates: 0,
  created: 9,
  updated: 0,
  acknowledged: 1,
  completed: 1,
  ignored: 0,
  reopened: 0,
  conflicts: 1,
};

function team(over: Partial<TeamStatus> = {}): TeamStatus {
  const now = Date.now();
  return {
    stream: "team-ops",
    team: "team-ops/alice",
    operator: "alice",
    desk: "desk-a",
    replica: {
      channel: "rabbitmq:team-ops",
      url: "amqp://alice@mq-1:5672/%2f, amqp://alice@mq-2:5672/%2f",
      node: "amqp://alice@mq-2:5672/%2f",
      kind: "stream",
      state: { state: "connected", since: now - 60_000 },
      activity: { counts, perSecond: 0, last: "offset 11", lastAt: now - 1_000, rejections: [] },
    },
    nextOffset: 12,
    catchingUp: false,
    desks: [
      {
        desk: "desk-a",
        operator: "alice",
        nextOffset: 12,
        behind: 0,
        lastSeen: now,
        online: true,
        simulating: false,
        me: true,
      },
      {
        desk: "desk-b",
        operator: "bob",
        nextOffset: 7,
        behind: 5,
        lastSeen: now - 1_000,
        online: true,
        simulating: true,
        me: false,
      },
      {
        desk: "desk-c",
        operator: "carol",
        nextOffset: 12,
        behind: 0,
        lastSeen: now - 120_000,
        online: false,
        simulating: false,
        me: false,
      },
    ],
    roster: [
      { user: "alice", role: "admin", name: "Alice A." },
      { user: "bob", role: "operator", name: null },
      { user: "dave", role: "viewer", name: null },
    ],
    rejected: 1,
    rejections: [
      {
        offset: 9,
        user: "producer",
        actionId: "x-1",
        reason: "refused by the team: producer is not on the team's roster",
        size: 140,
      },
    ],
    silenceVersions: 0,
    timers: {
      ackTimeoutMinutes: { info: null, warning: null, error: null, critical: 15 },
      expireAfterHours: null,
    },
    ...over,
  };
}

describe("team mode", () => {
  it("shows nothing of a team on a desk that works alone, and says how to join one", async () => {
    new FakeBackend(1);
    const { user } = renderApp();
    await waitFor(() => expect(document.querySelector('tr[data-event-id="1"]')).not.toBeNull());
    expect(document.querySelector(".team-state")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Team" }));
    expect(screen.getByRole("region", { name: "Team" })).toHaveTextContent("This desk works alone");
  });

  it("lists the desks heard, who is behind and who is gone, and follows pushed changes", async () => {
    const backend = new FakeBackend(1);
    backend.team = team();
    const { user } = renderApp();
    const badge = () => document.querySelector(".team-state");
    await waitFor(() => expect(badge()).toHaveTextContent("Team: in step"));
    await user.click(screen.getByRole("button", { name: "Team" }));
    const panel = screen.getByRole("region", { name: "Team" });
    expect(panel).toHaveTextContent("you are Alice A. (alice) (admin) at desk desk-a");
    expect(panel).toHaveTextContent("node amqp://alice@mq-2:5672/%2f");
    expect(panel).toHaveTextContent("1 conflicts");
    const roster = within(panel).getByRole("table", { name: "Roster" });
    expect(roster.querySelector('tr[data-member="dave"]')).toHaveTextContent("viewer");
    expect(within(panel).getByRole("list", { name: "Refused messages" })).toHaveTextContent(
      "offset 9 from producer (action x-1): refused by the team: producer is not on the team's roster",
    );
    const desks = within(panel).getByRole("table", { name: "Desks" });
    const row = (name: string) => desks.querySelector(`tr[data-desk="${name}"]`) as HTMLElement;
    expect(row("desk-a")).toHaveTextContent("(this desk)");
    expect(row("desk-b")).toHaveTextContent("5 behind");
    expect(row("desk-b")).toHaveTextContent("simulating");
    expect(row("desk-c")).toHaveTextContent("gone, last seen 2 min ago");

    // The broker goes away: the toolbar says since when, the panel why.
    const since = Date.now();
    await emit(
      "team-changed",
      team({
        replica: {
          ...team().replica,
          state: { state: "offline", since, error: "connection refused" },
        },
      }),
    );
    await waitFor(() => expect(badge()).toHaveTextContent(/^Offline since /));
    expect(panel).toHaveTextContent("connection refused");
    await emit("team-changed", team({ catchingUp: true }));
    await waitFor(() => expect(badge()).toHaveTextContent("Catching up…"));
  });

  it("shows the team's timers in the settings, which only its admin changes", async () => {
    const backend = new FakeBackend(1);
    backend.team = team();
    const { user } = renderApp();
    await waitFor(() => expect(document.querySelector(".team-state")).not.toBeNull());
    await user.click(screen.getByRole("button", { name: "Settings" }));
    const critical = await screen.findByLabelText("critical events");
    expect(critical).toHaveDisplayValue("15 min");
    expect(critical).toBeDisabled();
    expect(screen.getByLabelText("warning events")).toHaveDisplayValue("Never");
    expect(screen.getByRole("region", { name: "Settings" })).toHaveTextContent(
      "This desk follows its team's timers",
    );
  });

  it("shows operators by the roster's display names, in the table and with their user in the detail pane", async () => {
    const backend = new FakeBackend(2);
    backend.team = team();
    const first = backend.events.find((e) => e.id === 1);
    if (!first) throw new Error("no event 1");
    Object.assign(first, {
      status: "completed",
      completedBy: "operator:alice",
      completedAt: first.updatedAt,
      updatedBy: "operator:alice",
      teamKey: "7",
    });
    const { user } = renderApp();
    const status = () => document.querySelector('tr[data-event-id="1"] [data-status]');
    await waitFor(() => expect(status()).toHaveTextContent(/^Completed by Alice A\./));
    // Bob has no display name: his user name shows.
    await emit("team-changed", team({ roster: [{ user: "alice", role: "admin", name: null }] }));
    await waitFor(() => expect(status()).toHaveTextContent(/^Completed by alice/));
    await emit("team-changed", team());
    await waitFor(() => expect(status()).toHaveTextContent(/^Completed by Alice A\./));
    await user.click(
      within(document.querySelector('tr[data-event-id="1"]') as HTMLElement).getByRole("button", {
        name: first.title,
      }),
    );
    expect(await screen.findByText(/by Alice A\. \(alice\)/)).toBeInTheDocument();
  });

  it("reads its views and silences again when a silence is made at another desk of the team", async () => {
    const backend = new FakeBackend(3);
    backend.team = team();
    renderApp();
    const rowIds = () =>
      Array.from(document.querySelectorAll("tbody tr[data-event-id]")).map((tr) =>
        tr.getAttribute("data-event-id"),
      );
    await waitFor(() => expect(rowIds()).toEqual(["3", "2", "1"]));
    // Bob's desk silences event 2's source; this desk hears of it from its replica.
    const now = Date.now();
    const source = backend.events.find((e) => e.id === 2)?.source ?? "";
    backend.events.forEach((e) => {
      if (e.id !== 2 && e.source === source) e.source = `${source}-other`;
    });
    backend.silences.push({
      id: 1,
      version: 1,
      matchers: [{ name: "source", op: "=", value: source }],
      startsAt: now - 1_000,
      endsAt: now + 3_600_000,
      author: "operator:bob",
      comment: "deploy",
      madeAt: now - 1_000,
      teamKey: "desk-b-00000000000000a1",
    });
    await emit("team-changed", team({ silenceVersions: 1 }));
    await waitFor(() => expect(rowIds()).toEqual(["3", "1"]));
    expect(screen.getByText("1 silenced")).toBeInTheDocument();
  });

  it("marks a row as sending while its action travels through the team's stream", async () => {
    const backend = new FakeBackend(1);
    const { user } = renderApp();
    const tr = await waitFor(() => {
      const found = document.querySelector<HTMLElement>('tr[data-event-id="1"]');
      if (!found) throw new Error("row 1 is not shown");
      return found;
    });
    const release = backend.hold("acknowledge_event");
    await user.click(within(tr).getByRole("button", { name: "Acknowledge" }));
    expect(await within(tr).findByText("sending…")).toBeInTheDocument();
    release();
    await waitFor(() => expect(within(tr).queryByText("sending…")).toBeNull());
    expect(within(tr).getByText("Acknowledged")).toBeInTheDocument();
  });

  it("saves a team to join at the next start, refusing a bad field, and forgets it", async () => {
    const backend = new FakeBackend(1);
    const { user } = renderApp();
    await user.click(await screen.findByRole("button", { name: "Team" }));
    const form = await screen.findByRole("form", { name: "Join a team" });
    await user.type(
      within(form).getByLabelText("RabbitMQ URLs"),
      "amqp://alice:s3cret@mq:5672/%2f",
    );
    await user.type(within(form).getByLabelText("Password"), "s3cret");
    await user.type(within(form).getByLabelText("Team"), "team-ops/alice");
    await user.type(within(form).getByLabelText("Desk"), "alice-laptop");
    await user.click(within(form).getByRole("button", { name: "Join at next start" }));
    expect(await within(form).findByText(/password out of the URLs/)).toBeInTheDocument();
    expect(backend.teamSetup).toBeNull();
    await user.clear(within(form).getByLabelText("RabbitMQ URLs"));
    await user.type(within(form).getByLabelText("RabbitMQ URLs"), "amqp://alice@mq:5672/%2f");
    await user.click(within(form).getByRole("button", { name: "Join at next start" }));
    const panel = screen.getByRole("region", { name: "Team" });
    await waitFor(() =>
      expect(panel).toHaveTextContent(
        "At its next start this desk joins the team team-ops/alice at amqp://alice@mq:5672/%2f as alice",
      ),
    );
    expect(panel).not.toHaveTextContent("s3cret");
    await user.click(within(panel).getByRole("button", { name: "Forget this team" }));
    expect(await screen.findByRole("form", { name: "Join a team" })).toBeInTheDocument();
    expect(backend.teamSetup).toBeNull();
  });
});
