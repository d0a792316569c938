// A stand-in for the Rust side in Vitest: answers the commands from an in-memory list and
// pushes change sets through Tauri's mocked event system.
import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { ACTIONS_FOR, HISTORY_PAGE } from "../bindings";
import type {
  Activity,
  Action,
  AppError,
  AppSettings,
  BulkOutcome,
  Change,
  ChangeSet,
  DedupGroups,
  Event,
  Handover,
  HandoverView,
  EventQuery,
  Format,
  Link,
  QueueKind,
  QueueView,
  SourcesStatus,
  TeamJoin,
  TeamSetup,
  TeamStatus,
  ExportOutcome,
  Minute,
  Label,
  Line,
  Matcher,
  Page,
  Silence,
  SilenceDraft,
  Position,
  SimConfig,
  Tally,
  Target,
} from "../bindings";

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
    dedupKey: null,
    occurrences: 1,
    lastSeenAt: T0 + id * 1000,
    teamKey: null,
    snoozedUntil: null,
    assignee: null,
    ...over,
  };
}

/** A source that has done nothing yet. */
export function idle(): Activity {
  return {
    counts: {
      applied: 0,
      rejected: 0,
      duplicates: 0,
      created: 0,
      updated: 0,
      acknowledged: 0,
      completed: 0,
      ignored: 0,
      reopened: 0,
      conflicts: 0,
    },
    perSecond: 0,
    last: null,
    lastAt: null,
    rejections: [],
  };
}

const emptyLine = (): Line => ({ count: 0, critical: 0, events: [] });

/** A summary in which nothing changed. */
export function emptyHandover(): Handover {
  return {
    since: T0,
    until: T0,
    changes: 0,
    created: emptyLine(),
    raised: emptyLine(),
    completed: emptyLine(),
    reopened: emptyLine(),
    timedOut: emptyLine(),
    noted: emptyLine(),
    assigned: emptyLine(),
    silencesMade: [],
    silencesEnded: [],
  };
}

export class FakeBackend {
  events: Event[];
  seq: number;
  calls: { cmd: string; args: unknown }[] = [];
  /** When set, the next call of `cmd` fails with `error`. */
  failNext: { cmd: string; error: AppError } | null = null;
  simulator: SimConfig = { running: true, rate: 2, seed: 42, newShare: 0.4, overrideChance: 0.02 };
  settings: AppSettings = {
    theme: "system",
    notifications: true,
    sounds: { critical: false, error: false, warning: false, info: false },
    closeToTray: false,
    pageSize: 50,
    density: "comfortable",
    maxSilenceDays: 30,
    timers: {
      ackTimeoutMinutes: { info: null, warning: null, error: null, critical: null },
      expireAfterHours: null,
    },
  };
  /** What the save dialog answers (null: the operator closed it). */
  savePath: string | null = "/tmp/view.csv";
  /** Per event: a long history (every change, oldest first), paged as the store pages it. */
  histories = new Map<number, Change[]>();
  /** Per event: what its source sent (details JSON text, links). */
  fromSource = new Map<number, { details: string | null; links: Link[] }>();
  /** Per event: its labels, in key order. */
  labels = new Map<number, Label[]>();
  /** Silences, as the core keeps them (newest version of each). */
  silences: Silence[] = [];
  /** The sources that share dedup keys. */
  dedupGroups: DedupGroups = { groups: [] };
  /** Team mode's state; `null`: the desk works alone. */
  team: TeamStatus | null = null;
  /** The team saved in the Team panel, joined at the next start. */
  teamSetup: TeamSetup | null = null;
  /** The sources' state, as the Sources panel reads it. */
  sources: SourcesStatus = {
    http: {
      enabled: false,
      port: 8095,
      listening: null,
      error: null,
      activity: idle(),
      fromEnvironment: false,
    },
    queues: [],
    secretsKept: true,
    senders: [],
  };
  token = "token-1";
  /** "Since you left": what `handover` answers (the `since` asked for filled in). */
  handover: HandoverView = { seenAt: null, handover: emptyHandover() };
  /** What the backend warns about at start. */
  warnings: string[] = [];
  /** Exports run until `finishExport` is called, so tests can look at the progress. */
  private pendingExport: {
    resolve: (o: ExportOutcome) => void;
    rows: number;
    path: string;
  } | null = null;
  /** Every change as (seq, event after it), for changes_since. */
  log: { seq: number; event: Event; created: boolean }[] = [];
  /** The backend's clock: new events are created at this time; activity counts back from it. */
  now: () => number = () => Date.now();
  /** Like the backend's CATCH_UP_LIMIT: a catch-up over more changed events is incomplete. */
  catchUpLimit = 2_000;
  /** Calls held back until released (see `hold`). */
  private gates = new Map<string, Promise<void>>();

  constructor(count: number) {
    this.events = Array.from({ length: count }, (_, i) => makeEvent(i + 1));
    this.seq = count;
    mockWindows("main");
    mockIPC((cmd, args) => this.handle(cmd, args), { shouldMockEvents: true });
  }

  /**
   * Holds the answer to the next call of `cmd` until the returned function is called. The
   * answer is computed when the call arrives: what changes meanwhile is not in it, as with a
   * read whose answer is still on its way.
   */
  hold(cmd: string): () => void {
    let release = () => undefined as void;
    this.gates.set(cmd, new Promise<void>((r) => (release = r)));
    return () => release();
  }

  private handle(cmd: string, args: unknown): unknown {
    const gate = this.gates.get(cmd);
    if (gate) {
      this.gates.delete(cmd);
      const answer = (async () => this.answer(cmd, args))();
      return gate.then(() => answer);
    }
    return this.answer(cmd, args);
  }

  private answer(cmd: string, args: unknown): unknown {
    this.calls.push({ cmd, args });
    if (this.failNext?.cmd === cmd) {
      const e = this.failNext.error;
      this.failNext = null;
      throw e;
    }
    const a = args as Record<string, unknown>;
    switch (cmd) {
      case "list_events":
        return this.list(a.query as EventQuery);
      case "first_rows_shown":
        return null;
      case "list_facets":
        return {
          kinds: [...new Set(this.events.map((e) => e.kind))].sort(),
          sources: [...new Set(this.events.map((e) => e.source))].sort(),
        };
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
          return {
            outcome: "done",
            id: t.id,
            event: this.act(a.action as Action, t.id, t.expectedVersion),
          };
        });
      case "assign_events":
        return (a.targets as Target[]).map((t): BulkOutcome => {
          const e = this.events.find((x) => x.id === t.id);
          if (!e) return { outcome: "notFound", id: t.id };
          if (e.version !== t.expectedVersion) return { outcome: "conflict", id: t.id, current: e };
          const assignee = (a.assignee as string | null) ?? null;
          if (e.assignee === assignee) return { outcome: "done", id: t.id, event: e };
          return {
            outcome: "done",
            id: t.id,
            event: this.record({
              ...e,
              assignee,
              updatedBy: "user",
              version: e.version + 1,
            }),
          };
        });
      case "snooze_events":
        return (a.targets as Target[]).map((t): BulkOutcome => {
          const e = this.events.find((x) => x.id === t.id);
          if (!e) return { outcome: "notFound", id: t.id };
          if (e.version !== t.expectedVersion) return { outcome: "conflict", id: t.id, current: e };
          const until = (a.until as number | null) ?? null;
          if (until !== null && e.status === "completed")
            return {
              outcome: "skipped",
              id: t.id,
              reason: `cannot snooze event ${t.id}: it is completed`,
            };
          return {
            outcome: "done",
            id: t.id,
            event: this.record({
              ...e,
              snoozedUntil: until,
              updatedBy: "user",
              version: e.version + 1,
            }),
          };
        });
      case "changes_since": {
        const since = a.since as number;
        const later = this.log.filter((l) => l.seq > since);
        if (later.length === 0) return { changes: null, complete: true };
        const rows = [...new Map(later.map((l) => [l.event.id, this.find(l.event.id)])).values()];
        if (rows.length > this.catchUpLimit) return { changes: null, complete: false };
        const created = later
          .filter((l) => l.created)
          .map((l) => l.event.id)
          .reverse();
        return {
          changes: {
            fromSeq: since + 1,
            toSeq: this.seq,
            rows,
            created,
            critical: [],
            total: this.events.length,
            tally: this.tally(),
            reload: false,
          } satisfies ChangeSet,
          complete: true,
        };
      }
      case "simulator_status":
        return { settings: this.simulator, changes: 1234 };
      case "set_simulator": {
        const next = a.settings as SimConfig;
        if ((next.rate ?? 0) > 5000) {
          throw {
            type: "InvalidInput",
            data: { field: "rate", message: "must be from 0.1 to 5000, got 9000" },
          } satisfies AppError;
        }
        this.simulator = next;
        return { settings: next, changes: 1234 };
      }
      case "get_event": {
        const e = this.find(a.id as number);
        const from = this.fromSource.get(e.id) ?? { details: null, links: [] };
        const all: Change[] = this.histories.get(e.id) ?? [
          {
            seq: 1,
            eventId: e.id,
            at: e.createdAt,
            actor: "simulator",
            field: "created",
            from: null,
            to: "open",
          },
        ];
        const history = all.slice(-HISTORY_PAGE);
        return {
          event: e,
          history,
          older: all.length - history.length,
          labels: this.labels.get(e.id) ?? [],
          ...from,
        };
      }
      case "add_note": {
        // The core's check (model::check_note): trimmed, 1 to 2,000 characters.
        const e = this.find(a.id as number);
        const text = (a.text as string).trim();
        if (text === "" || [...text].length > 2000) {
          throw {
            type: "InvalidInput",
            data: {
              field: "note",
              message: text === "" ? "is empty" : `is ${[...text].length} characters long`,
            },
          } satisfies AppError;
        }
        const all: Change[] = this.histories.get(e.id) ?? [];
        all.push({
          seq: (all.at(-1)?.seq ?? 1) + 1,
          eventId: e.id,
          at: Date.now(),
          actor: "user",
          field: "note",
          from: null,
          to: text,
        });
        this.histories.set(e.id, all);
        return e;
      }
      case "event_history": {
        // The store's paging (rows::history_before): up to `limit` changes before `before`.
        const limit = a.limit as number;
        if (limit < 1 || limit > 1000) {
          throw {
            type: "InvalidInput",
            data: { field: "limit", message: `must be 1 to 1000, got ${limit}` },
          } satisfies AppError;
        }
        const all = (this.histories.get(this.find(a.id as number).id) ?? []).filter(
          (c) => c.seq < (a.before as number),
        );
        const changes = all.slice(-limit);
        return { changes, older: all.length - changes.length };
      }
      case "open_link": {
        const links = this.fromSource.get(a.id as number)?.links ?? [];
        if ((a.index as number) >= links.length) {
          throw {
            type: "InvalidInput",
            data: {
              field: "index",
              message: `event ${String(a.id)} has no link ${String(a.index)}`,
            },
          } satisfies AppError;
        }
        return null;
      }
      case "sources_status":
        return this.sources;
      case "team_status":
        return this.team;
      case "team_setup":
        return this.teamSetup;
      case "set_team": {
        const setup = a.setup as TeamJoin | null;
        if (setup === null) return (this.teamSetup = null);
        const [stream = "", admin] = setup.team.split("/");
        if (!/^[A-Za-z0-9._:-]{1,48}$/.test(stream) || !admin) {
          throw {
            type: "InvalidInput",
            data: { field: "team", message: "a team is joined as STREAM/ADMIN" },
          };
        }
        if (/:[^:@/]*@/.test(setup.urls)) {
          throw {
            type: "InvalidInput",
            data: {
              field: "urls",
              message: "leave the password out of the URLs: it has a field of its own",
            },
          };
        }
        const user = /:\/\/([^@]*)@/.exec(setup.urls)?.[1] ?? "guest";
        this.teamSetup = { team: setup.team, desk: setup.desk, urls: setup.urls, user };
        return this.teamSetup;
      }
      case "set_http_endpoint": {
        const port = a.port as number;
        if (port < 1024)
          throw {
            type: "InvalidInput",
            data: { field: "port", message: "must be 1024 to 65535" },
          } satisfies AppError;
        const enabled = a.enabled as boolean;
        this.sources = {
          ...this.sources,
          http: {
            ...this.sources.http,
            enabled,
            port,
            listening: enabled ? `http://127.0.0.1:${port}` : null,
          },
        };
        return this.sources;
      }
      case "http_token":
        return this.token;
      case "new_http_token":
        this.token = `token-${Number(this.token.split("-")[1]) + 1}`;
        return this.token;
      case "add_queue_source": {
        const url = a.url as string;
        if (!url.startsWith("amqp://") && !url.startsWith("amqps://")) {
          throw {
            type: "InvalidInput",
            data: { field: "url", message: "must start with amqp:// or amqps://" },
          } satisfies AppError;
        }
        const queue = a.queue as string;
        const view: QueueView = {
          id: `q${this.sources.queues.length + 1}`,
          queue,
          format: a.format as Format,
          paused: false,
          fromEnvironment: false,
          status: {
            channel: `rabbitmq:${queue}`,
            url: url.replace(/:[^:@/]*@/, "@"),
            node: null,
            kind: a.kind as QueueKind,
            state: { state: "connecting" },
            activity: idle(),
          },
        };
        this.sources = { ...this.sources, queues: [...this.sources.queues, view] };
        return this.sources;
      }
      case "change_queue_source": {
        const paused = a.paused as boolean;
        this.sources = {
          ...this.sources,
          queues: this.sources.queues.map((q) =>
            q.id === a.id
              ? {
                  ...q,
                  paused,
                  format: a.format as Format,
                  status: {
                    ...q.status,
                    state: paused ? { state: "paused" } : { state: "connecting" },
                  },
                }
              : q,
          ),
        };
        return this.sources;
      }
      case "remove_queue_source":
        this.sources = {
          ...this.sources,
          queues: this.sources.queues.filter((q) => q.id !== a.id),
        };
        return this.sources;
      case "dedup_groups":
        return this.dedupGroups;
      case "list_silences":
        return [...this.silences].sort((x, y) => y.id - x.id);
      case "preview_silence": {
        const matchers = parseMatchers(a.text as string);
        const matches = this.events.filter(
          (e) => e.status !== "completed" && this.silenceMatches(matchers, e),
        ).length;
        return { matchers, matches };
      }
      case "add_silence": {
        const d = a.draft as SilenceDraft;
        if (d.comment.trim() === "")
          throw {
            type: "InvalidInput",
            data: { field: "comment", message: "say why events are silenced" },
          } satisfies AppError;
        const s: Silence = {
          id: this.silences.reduce((m, x) => Math.max(m, x.id), 0) + 1,
          version: 1,
          matchers: d.matchers,
          startsAt: d.startsAt ?? this.now(),
          endsAt: d.endsAt,
          author: "user",
          comment: d.comment.trim(),
          madeAt: this.now(),
          teamKey: null,
        };
        this.silences.push(s);
        return s;
      }
      case "edit_silence": {
        const old = this.silenceAt(a.id as number, a.expectedVersion as number);
        const d = a.draft as SilenceDraft;
        const next: Silence = {
          ...old,
          ...d,
          startsAt: d.startsAt ?? old.startsAt,
          version: old.version + 1,
        };
        this.silences = this.silences.map((x) => (x.id === old.id ? next : x));
        return next;
      }
      case "expire_silence": {
        const old = this.silenceAt(a.id as number, a.expectedVersion as number);
        const next: Silence = { ...old, endsAt: this.now(), version: old.version + 1 };
        this.silences = this.silences.map((x) => (x.id === old.id ? next : x));
        return next;
      }
      case "set_dedup_groups": {
        // The core's rules (DedupGroups::normalized and validate), on what this UI sends.
        const groups = (a.groups as DedupGroups).groups.map((g) =>
          g.map((n) => n.trim().replace(/^source:/, "")),
        );
        const names = groups.flat();
        if (groups.some((g) => g.length < 2)) {
          throw {
            type: "InvalidInput",
            data: { field: "groups", message: "a group joins 2 to 64 sources" },
          };
        }
        const twice = names.find((n, i) => names.indexOf(n) !== i);
        if (twice !== undefined) {
          throw {
            type: "InvalidInput",
            data: { field: "groups", message: `${twice} is in more than one group` },
          };
        }
        this.dedupGroups = { groups };
        return this.dedupGroups;
      }
      case "get_settings":
        return this.settings;
      case "save_settings": {
        const next = a.settings as AppSettings;
        if (![25, 50, 100, 200].includes(next.pageSize)) {
          throw {
            type: "InvalidInput",
            data: {
              field: "pageSize",
              message: `must be one of [25, 50, 100, 200], got ${next.pageSize}`,
            },
          } satisfies AppError;
        }
        this.settings = next;
        return next;
      }
      case "activity":
        return this.activity();
      case "about":
        return {
          name: "Eventdesk",
          version: "0.1.0",
          identifier: "dev.eventdesk.console",
          dbPath: "/data/eventdesk.db",
          logDir: "/data/logs",
        };
      case "open_log_folder":
        return null;
      case "quit_app":
        return null;
      case "plugin:window|set_theme":
        return null;
      case "warnings":
        return this.warnings;
      case "export_view": {
        // The backend opens the save dialog itself; `savePath` is what the operator picks.
        if (this.savePath === null) return { outcome: "dismissed" } satisfies ExportOutcome;
        const q = a.query as EventQuery;
        const rows = this.list({ ...q, page: 1, pageSize: 1_000_000, position: null }).total;
        const path = this.savePath;
        return new Promise<ExportOutcome>((resolve) => {
          this.pendingExport = { resolve, rows, path };
        });
      }
      case "cancel_export": {
        const running = this.pendingExport !== null;
        this.pendingExport?.resolve({ outcome: "cancelled", rows: 0 });
        this.pendingExport = null;
        return running;
      }
      case "handover":
        return {
          ...this.handover,
          handover: { ...this.handover.handover, since: (a.since as number | null) ?? T0 },
        } satisfies HandoverView;
      case "handover_seen":
        this.handover = { ...this.handover, seenAt: Date.now() };
        return this.handover.seenAt;
      default:
        throw `unknown command ${cmd}`;
    }
  }

  /** Reports how far the running export is: `rows` of its total. */
  async reportExport(rows: number): Promise<void> {
    const job = this.pendingExport;
    if (!job) throw new Error("no export is running");
    await emit("export-progress", { rows, total: job.rows });
  }

  /** Completes the running export with every row. */
  finishExport(): void {
    const job = this.pendingExport;
    if (!job) throw new Error("no export is running");
    this.pendingExport = null;
    job.resolve({ outcome: "done", rows: job.rows, path: job.path });
  }

  /** Events per minute over the hour up to now, as the backend counts them. */
  private activity(): Minute[] {
    const first = (Math.floor(this.now() / 60_000) - 59) * 60_000;
    const minutes: Minute[] = Array.from({ length: 60 }, (_, i) => ({
      start: first + i * 60_000,
      info: 0,
      warning: 0,
      error: 0,
      critical: 0,
    }));
    for (const e of this.events) {
      const m = minutes[Math.floor((e.createdAt - first) / 60_000)];
      if (m) m[e.severity] += 1;
    }
    return minutes;
  }

  private act(action: Action, id: number, expectedVersion: number): Event {
    const e = this.find(id);
    if (e.version !== expectedVersion) {
      throw {
        type: "Conflict",
        data: { expected: expectedVersion, current: e },
      } satisfies AppError;
    }
    const status =
      action === "complete" ? "completed" : action === "acknowledge" ? "acknowledged" : "open";
    // The core's rules, from the bindings: already in effect changes nothing; the rest must apply.
    if (e.status === status) return e;
    if (!(ACTIONS_FOR[e.status] as readonly Action[]).includes(action)) {
      throw {
        type: "InvalidInput",
        data: { field: "action", message: `cannot ${action} event ${id}: it is ${e.status}` },
      } satisfies AppError;
    }
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

  /** Silence `id` at version `version`, or the core's refusal. */
  silenceAt(id: number, version: number): Silence {
    const old = this.silences.find((x) => x.id === id);
    if (!old || old.version !== version)
      throw {
        type: "InvalidInput",
        data: { field: "version", message: "the silence changed since it was shown" },
      } satisfies AppError;
    return old;
  }

  /** Whether `e` passes every matcher (equality on source, kind and labels: enough here). */
  silenceMatches(matchers: Matcher[], e: Event): boolean {
    return matchers.every((m) => {
      const value =
        m.name === "source"
          ? e.source
          : m.name === "kind"
            ? e.kind
            : m.name.startsWith("label.")
              ? ((this.labels.get(e.id) ?? []).find((l) => `label.${l.key}` === m.name)?.value ??
                "")
              : "";
      return m.op === "=" ? value === m.value : value !== m.value;
    });
  }

  /** The active silence (lowest id) that mutes `e`. */
  silenceOf(e: Event): number | undefined {
    const now = this.now();
    return [...this.silences]
      .sort((x, y) => x.id - y.id)
      .find((s) => s.startsAt <= now && now < s.endsAt && this.silenceMatches(s.matchers, e))?.id;
  }

  /** A plain version of the real query engine: filter, sort, then slice by position or number. */
  list(q: EventQuery): Page {
    const f = q.filter;
    const rank = { info: 0, warning: 1, error: 2, critical: 3 } as const;
    const by = q.sort?.by ?? "time";
    const key = (e: Event) =>
      by === "time" ? e.id : by === "updated" ? e.updatedAt : rank[e.severity];
    const all = this.events
      .filter((e) => !f?.statuses?.length || f.statuses.includes(e.status))
      .filter((e) => !f?.minSeverity || rank[e.severity] >= rank[f.minSeverity])
      .filter((e) => !f?.kind || e.kind === f.kind)
      .filter((e) => !f?.source || e.source === f.source)
      .filter(
        (e) =>
          f?.assignee === null ||
          f?.assignee === undefined ||
          (f.assignee === "" ? e.assignee === null : e.assignee === f.assignee),
      )
      .filter((e) =>
        (f?.labels ?? []).every((l) =>
          (this.labels.get(e.id) ?? []).some((m) => m.key === l.key && m.value === l.value),
        ),
      )
      .filter(
        (e) =>
          !f?.search ||
          `${e.title} ${e.kind} ${e.source}`.toLowerCase().includes(f.search.toLowerCase()),
      )
      .sort((x, y) => key(x) - key(y) || x.id - y.id);
    const now = this.now();
    const silencing = this.silences.some((s) => s.startsAt <= now && now < s.endsAt);
    const silenced = all.filter((e) => this.silenceOf(e) !== undefined).length;
    const mode = f?.silenced ?? "hide";
    const snoozedNow = (e: Event) => e.snoozedUntil !== null && e.snoozedUntil > now;
    const snoozed = all.filter(snoozedNow).length;
    const snoozeMode = f?.snoozed ?? "hide";
    const rows = all
      .filter((e) =>
        mode === "show" ? true : (this.silenceOf(e) !== undefined) === (mode === "only"),
      )
      .filter((e) => (snoozeMode === "show" ? true : snoozedNow(e) === (snoozeMode === "only")));
    const wakes = this.events.filter(snoozedNow).map((e) => e.snoozedUntil as number);
    if (q.sort?.descending ?? true) rows.reverse();
    const size = q.pageSize;
    const at = (p: Position | null | undefined): number => {
      if (!p || p.at === "first") return (q.page - 1) * size;
      if (p.at === "last") return Math.max(0, Math.floor((rows.length - 1) / size) * size);
      const i = rows.findIndex((e) => e.id === p.id);
      return p.at === "after" ? i + 1 : Math.max(0, i - size);
    };
    const start = at(q.position);
    const slice = rows.slice(start, start + size);
    const pos = (e: Event | undefined, side: "after" | "before"): Position | null =>
      e ? { at: side, value: key(e), id: e.id } : null;
    return {
      rows: slice,
      page: q.page,
      pageSize: size,
      total: rows.length,
      totalExact: true,
      seq: this.seq,
      silencing,
      silenced,
      silencedBy: slice.flatMap((e) => {
        const silenceId = this.silenceOf(e);
        return silenceId === undefined ? [] : [{ eventId: e.id, silenceId }];
      }),
      snoozed,
      nextWake: wakes.length ? Math.min(...wakes) : null,
      next: start + size < rows.length ? pos(slice.at(-1), "after") : null,
      prev: start > 0 ? pos(slice[0], "before") : null,
    };
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
      const at = this.now();
      const e = makeEvent(this.events.length + 1, { createdAt: at, updatedAt: at });
      this.events.push(e);
      this.record(e, true);
      created.push(e);
    }
    const set: ChangeSet = {
      fromSeq,
      toSeq: this.seq,
      rows: created,
      created: created.map((e) => e.id).reverse(),
      critical: created
        .filter((e) => e.severity === "critical")
        .map((e) => e.id)
        .reverse(),
      total: this.events.length,
      tally: this.tally(),
      reload: false,
    };
    await emit("events-changed", set);
    return set;
  }

  /** Changes one event and pushes it. */
  async pushChange(id: number, over: Partial<Event>): Promise<void> {
    const e = this.changeSilently(id, over);
    await emit("events-changed", {
      fromSeq: this.seq,
      toSeq: this.seq,
      rows: [e],
      created: [],
      critical: [],
      total: this.events.length,
      tally: this.tally(),
      reload: false,
    } satisfies ChangeSet);
  }

  /** Unfinished events and the critical ones among them, as change sets carry them. */
  tally(): Tally {
    const unfinished = this.events.filter((e) => e.status !== "completed");
    return {
      unfinished: unfinished.length,
      critical: unfinished.filter((e) => e.severity === "critical").length,
    };
  }

  count(cmd: string): number {
    return this.calls.filter((c) => c.cmd === cmd).length;
  }
}

/** Written matchers, the few forms the UI tests write: `{a="x", b!="y"}`. */
export function parseMatchers(text: string): Matcher[] {
  const inner = text.trim().replace(/^\{/, "").replace(/\}$/, "");
  if (inner.trim() === "") return [];
  return inner.split(",").map((part) => {
    const m = /^\s*([\w.:/@-]+)(!=|=)"?([^"]*)"?\s*$/.exec(part);
    if (!m)
      throw {
        type: "InvalidInput",
        data: { field: "matchers", message: `at character 1: cannot read ${part.trim()}` },
      } satisfies AppError;
    return { name: m[1] ?? "", op: m[2] as Matcher["op"], value: m[3] ?? "" };
  });
}
