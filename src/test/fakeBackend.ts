// A stand-in for the Rust side in Vitest: answers the commands from an in-memory list and
// pushes change sets through Tauri's mocked event system.
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type { Action, AppError, BulkOutcome, ChangeSet, Event, EventQuery, Page, SimConfig, Target } from "../bindings";

export const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);

export function makeEvent(id: number, over: Partial<Event> = {}): Event {
  return {
    id,
    kind: "txn.timeout",
    source: "payments-api",
    severity: "warning",
    title: `Card authorisations timing out for merchant ${id}`,
    status: "open",
    createdAt: T0 + id * 1000,
    updatedAt: T0 + id * 1000,
    updatedBy: "simulator",
    completedAt: null,
    completedBy: null,
    reopenedAt: null,
    reopenedBy: null,
    version: 1,
    ...over,
  };
}

export class FakeBackend {
  events: Event[];
  seq: number;
  calls: { cmd: string; args: unknown }[] = [];
  /** When set, the next command fails with it. */
  failNext: AppError | null = null;
  simulator: SimConfig = { running: true, rate: 2, seed: 42, newShare: 0.4, overrideChance: 0.02 };
  /** Every change as (seq, event after it), for changes_since. */
  log: { seq: number; event: Event; created: boolean }[] = [];

  constructor(count: number) {
    this.events = Array.from({ length: count }, (_, i) => makeEvent(i + 1));
    this.seq = count;
    mockIPC((cmd, args) => this.handle(cmd, args), { shouldMockEvents: true });
  }

  private handle(cmd: string, args: unknown): unknown {
    this.calls.push({ cmd, args });
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    const a = args as Record<string, unknown>;
    switch (cmd) {
      case "list_events": {
        const q = a.query as EventQuery;
        const newest = [...this.events].sort((x, y) => y.id - x.id);
        const rows = newest.slice((q.page - 1) * q.pageSize, q.page * q.pageSize);
        return { rows, page: q.page, pageSize: q.pageSize, total: this.events.length, seq: this.seq } satisfies Page;
      }
      case "complete_event":
        return this.act("complete", a.id as number, a.expectedVersion as number);
      case "acknowledge_event":
        return this.act("acknowledge", a.id as number, a.expectedVersion as number);
      case "reopen_event":
        return this.act("reopen", a.id as number, a.expectedVersion as number);
      case "bulk_action":
        return (a.targets as Target[]).map((t): BulkOutcome => {
          const e = this.events.find((x) => x.id === t.id);
          if (!e) return { outcome: "notFound", id: t.id };
          if (e.version !== t.expectedVersion) return { outcome: "conflict", id: t.id, current: e };
          return { outcome: "done", id: t.id, event: this.act(a.action as Action, t.id, t.expectedVersion) };
        });
      case "changes_since": {
        const since = a.since as number;
        const later = this.log.filter((l) => l.seq > since);
        if (later.length === 0) return { changes: null, complete: true };
        const rows = [...new Map(later.map((l) => [l.event.id, this.find(l.event.id)])).values()];
        const created = later.filter((l) => l.created).map((l) => l.event.id).reverse();
        return {
          changes: { fromSeq: since + 1, toSeq: this.seq, rows, created, total: this.events.length } satisfies ChangeSet,
          complete: true,
        };
      }
      case "simulator_status":
        return { settings: this.simulator, changes: 1234 };
      case "set_simulator": {
        const next = a.settings as SimConfig;
        if ((next.rate ?? 0) > 5000) {
          throw { type: "InvalidInput", data: { field: "rate", message: "must be from 0.1 to 5000, got 9000" } } satisfies AppError;
        }
        this.simulator = next;
        return { settings: next, changes: 1234 };
      }
      case "get_event": {
        const e = this.find(a.id as number);
        return { event: e, history: [{ seq: 1, eventId: e.id, at: e.createdAt, actor: "simulator", field: "created", from: null, to: "open" }] };
      }
      default:
        throw `unknown command ${cmd}`;
    }
  }

  private act(action: Action, id: number, expectedVersion: number): Event {
    const e = this.find(id);
    if (e.version !== expectedVersion) {
      throw { type: "Conflict", data: { expected: expectedVersion, current: e } } satisfies AppError;
    }
    const status = action === "complete" ? "completed" : action === "acknowledge" ? "acknowledged" : "open";
    const done = action === "complete";
    return this.record({
      ...e,
      status,
      completedBy: done ? "user" : null,
      completedAt: done ? T0 + 99_000 : null,
      reopenedBy: action === "reopen" ? "user" : e.reopenedBy,
      updatedBy: "user",
      version: e.version + 1,
    });
  }

  /** Stores a change: a new seq, logged for changes_since. */
  private record(e: Event, created = false): Event {
    this.seq += 1;
    this.log.push({ seq: this.seq, event: e, created });
    return this.replace(e);
  }

  find(id: number): Event {
    const e = this.events.find((x) => x.id === id);
    if (!e) throw { type: "NotFound", data: { id } } satisfies AppError;
    return e;
  }

  replace(e: Event): Event {
    this.events = this.events.map((x) => (x.id === e.id ? e : x));
    return e;
  }

  /** Changes an event behind the UI's back, as the simulator would, without pushing. */
  changeSilently(id: number, over: Partial<Event>): Event {
    const e = this.find(id);
    return this.record({ ...e, ...over, version: e.version + 1 });
  }

  /** Creates `n` events and pushes them in one set. */
  async pushCreated(n: number): Promise<ChangeSet> {
    const created: Event[] = [];
    const fromSeq = this.seq + 1;
    for (let i = 0; i < n; i++) {
      const e = makeEvent(this.events.length + 1);
      this.events.push(e);
      this.record(e, true);
      created.push(e);
    }
    const set: ChangeSet = {
      fromSeq,
      toSeq: this.seq,
      rows: created,
      created: created.map((e) => e.id).reverse(),
      total: this.events.length,
    };
    await emit("events-changed", set);
    return set;
  }

  /** Changes one event and pushes it. */
  async pushChange(id: number, over: Partial<Event>): Promise<void> {
    const e = this.changeSilently(id, over);
    await emit("events-changed", { fromSeq: this.seq, toSeq: this.seq, rows: [e], created: [], total: this.events.length } satisfies ChangeSet);
  }

  count(cmd: string): number {
    return this.calls.filter((c) => c.cmd === cmd).length;
  }
}
