// A stand-in for the Rust side in Vitest: answers the commands from an in-memory list and
// pushes change sets through Tauri's mocked event system.
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type { AppError, ChangeSet, Event, EventQuery, Page } from "../bindings";

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
      case "complete_event": {
        const e = this.find(a.id as number);
        if (e.version !== a.expectedVersion) {
          throw { type: "Conflict", data: { expected: a.expectedVersion as number, current: e } } satisfies AppError;
        }
        this.seq += 1;
        return this.replace({ ...e, status: "completed", completedBy: "user", completedAt: T0 + 99_000, updatedBy: "user", version: e.version + 1 });
      }
      case "get_event": {
        const e = this.find(a.id as number);
        return { event: e, history: [{ seq: 1, eventId: e.id, at: e.createdAt, actor: "simulator", field: "created", from: null, to: "open" }] };
      }
      default:
        throw `unknown command ${cmd}`;
    }
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
    this.seq += 1;
    return this.replace({ ...e, ...over, version: e.version + 1 });
  }

  /** Creates `n` events and pushes them in one set. */
  async pushCreated(n: number): Promise<ChangeSet> {
    const created: Event[] = [];
    for (let i = 0; i < n; i++) {
      const e = makeEvent(this.events.length + 1);
      this.events.push(e);
      created.push(e);
    }
    const set: ChangeSet = {
      fromSeq: this.seq + 1,
      toSeq: this.seq + n,
      rows: created,
      created: created.map((e) => e.id).reverse(),
      total: this.events.length,
    };
    this.seq += n;
    await emit("events-changed", set);
    return set;
  }

  /** Changes one event and pushes it; `skip` pretends earlier pushes were lost. */
  async pushChange(id: number, over: Partial<Event>, skip = 0): Promise<void> {
    this.seq += skip;
    const e = this.changeSilently(id, over);
    await emit("events-changed", { fromSeq: this.seq, toSeq: this.seq, rows: [e], created: [], total: this.events.length } satisfies ChangeSet);
  }

  count(cmd: string): number {
    return this.calls.filter((c) => c.cmd === cmd).length;
  }
}
