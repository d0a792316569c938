// The UI's view of the commands: results become values or thrown `CommandError`s that keep
// the typed error, so components branch on `error.type`, never on message text.
import {
  ACTIONS_FOR,
  commands,
  type About,
  type Action,
  type AppError,
  type AppSettings,
  type BulkOutcome,
  type CatchUp,
  type DedupGroups,
  type Event,
  type EventDetail,
  type EventQuery,
  type HandoverView,
  type HistoryPage,
  type ExportFormat,
  type ExportOutcome,
  type Facets,
  type Minute,
  type Page,
  type SimConfig,
  type Silence,
  type SilenceDraft,
  type SilencePreview,
  type SimulatorStatus,
  type Format,
  type QueueKind,
  type SourcesStatus,
  type TeamJoin,
  type TeamSetup,
  type TeamStatus,
} from "./bindings";
import { actorName, formatDateTime } from "./format";

type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

export class CommandError extends Error {
  readonly error: AppError;

  constructor(error: AppError) {
    super(describeError(error));
    this.name = "CommandError";
    this.error = error;
  }
}

async function unwrap<T>(call: Promise<Outcome<T>>): Promise<T> {
  const result = await call;
  if (result.status === "ok") return result.data;
  throw new CommandError(asAppError(result.error));
}

/** Framework-level failures (bad argument types, unknown commands) arrive as plain strings. */
function asAppError(e: unknown): AppError {
  if (typeof e === "object" && e !== null && "type" in e) return e as AppError;
  return { type: "Storage", data: { message: String(e) } };
}

const single = {
  acknowledge: commands.acknowledgeEvent,
  complete: commands.completeEvent,
  reopen: commands.reopenEvent,
} satisfies Record<Action, unknown>;

export const api = {
  listEvents: (query: EventQuery): Promise<Page> => unwrap(commands.listEvents(query)),
  facets: (): Promise<Facets> => unwrap(commands.listFacets()),
  firstRowsShown: (): Promise<null> => unwrap(commands.firstRowsShown()),
  getEvent: (id: number): Promise<EventDetail> => unwrap(commands.getEvent(id)),
  eventHistory: (id: number, before: number, limit: number): Promise<HistoryPage> =>
    unwrap(commands.eventHistory(id, before, limit)),
  act: (action: Action, event: Pick<Event, "id" | "version">): Promise<Event> =>
    unwrap(single[action](event.id, event.version)),
  bulk: (action: Action, events: Pick<Event, "id" | "version">[]): Promise<BulkOutcome[]> =>
    unwrap(
      commands.bulkAction(
        events.map((e) => ({ id: e.id, expectedVersion: e.version })),
        action,
      ),
    ),
  /** Snoozes events until `until` (Unix ms), or wakes them (`null`). */
  snooze: (events: Pick<Event, "id" | "version">[], until: number | null): Promise<BulkOutcome[]> =>
    unwrap(
      commands.snoozeEvents(
        events.map((e) => ({ id: e.id, expectedVersion: e.version })),
        until,
      ),
    ),
  addNote: (id: number, text: string): Promise<Event> => unwrap(commands.addNote(id, text)),
  /** Assigns events to `assignee` (`user`, `operator:NAME`), or to nobody (`null`). */
  assign: (
    events: Pick<Event, "id" | "version">[],
    assignee: string | null,
  ): Promise<BulkOutcome[]> =>
    unwrap(
      commands.assignEvents(
        events.map((e) => ({ id: e.id, expectedVersion: e.version })),
        assignee,
      ),
    ),
  changesSince: (since: number): Promise<CatchUp> => unwrap(commands.changesSince(since)),
  simulatorStatus: (): Promise<SimulatorStatus> => unwrap(commands.simulatorStatus()),
  setSimulator: (settings: SimConfig): Promise<SimulatorStatus> =>
    unwrap(commands.setSimulator(settings)),
  getSettings: (): Promise<AppSettings> => unwrap(commands.getSettings()),
  saveSettings: (settings: AppSettings): Promise<AppSettings> =>
    unwrap(commands.saveSettings(settings)),
  activity: (): Promise<Minute[]> => unwrap(commands.activity()),
  exportView: (query: EventQuery, format: ExportFormat): Promise<ExportOutcome> =>
    unwrap(commands.exportView(query, format)),
  warnings: (): Promise<string[]> => unwrap(commands.warnings()),
  cancelExport: (): Promise<boolean> => unwrap(commands.cancelExport()),
  about: (): Promise<About> => unwrap(commands.about()),
  openLogFolder: (): Promise<null> => unwrap(commands.openLogFolder()),
  /** Quits the app (closing the window only hides it in the tray); the answer may never come. */
  quit: (): Promise<void> => commands.quitApp(),
  openLink: (id: number, index: number): Promise<null> => unwrap(commands.openLink(id, index)),
  sourcesStatus: (): Promise<SourcesStatus> => unwrap(commands.sourcesStatus()),
  teamStatus: (): Promise<TeamStatus | null> => unwrap(commands.teamStatus()),
  teamSetup: (): Promise<TeamSetup | null> => unwrap(commands.teamSetup()),
  setTeam: (setup: TeamJoin | null): Promise<TeamSetup | null> => unwrap(commands.setTeam(setup)),
  setHttpEndpoint: (enabled: boolean, port: number): Promise<SourcesStatus> =>
    unwrap(commands.setHttpEndpoint(enabled, port)),
  httpToken: (): Promise<string> => unwrap(commands.httpToken()),
  newHttpToken: (): Promise<string> => unwrap(commands.newHttpToken()),
  addQueueSource: (
    url: string,
    queue: string,
    kind: QueueKind,
    format: Format,
  ): Promise<SourcesStatus> => unwrap(commands.addQueueSource(url, queue, kind, format)),
  changeQueueSource: (
    id: string,
    url: string | null,
    format: Format,
    paused: boolean,
  ): Promise<SourcesStatus> => unwrap(commands.changeQueueSource(id, url, format, paused)),
  removeQueueSource: (id: string): Promise<SourcesStatus> => unwrap(commands.removeQueueSource(id)),
  dedupGroups: (): Promise<DedupGroups> => unwrap(commands.dedupGroups()),
  setDedupGroups: (groups: DedupGroups): Promise<DedupGroups> =>
    unwrap(commands.setDedupGroups(groups)),
  silences: (): Promise<Silence[]> => unwrap(commands.listSilences()),
  previewSilence: (text: string): Promise<SilencePreview> => unwrap(commands.previewSilence(text)),
  addSilence: (draft: SilenceDraft): Promise<Silence> => unwrap(commands.addSilence(draft)),
  editSilence: (silence: Pick<Silence, "id" | "version">, draft: SilenceDraft): Promise<Silence> =>
    unwrap(commands.editSilence(silence.id, silence.version, draft)),
  expireSilence: (silence: Pick<Silence, "id" | "version">): Promise<Silence> =>
    unwrap(commands.expireSilence(silence.id, silence.version)),
  handover: (since: number | null): Promise<HandoverView> => unwrap(commands.handover(since)),
  handoverSeen: (): Promise<number> => unwrap(commands.handoverSeen()),
};

export const actionLabel: Record<Action, string> = {
  acknowledge: "Acknowledge",
  complete: "Complete",
  reopen: "Reopen",
};

/** The actions that apply to an event in its current state: the core's rules (`Action::applies_to`), from the bindings. */
export function actionsFor(e: Event): Action[] {
  return [...ACTIONS_FOR[e.status]];
}

export function describeError(e: AppError, now = Date.now()): string {
  switch (e.type) {
    case "NotFound":
      return `Event #${e.data.id} no longer exists.`;
    case "Conflict":
      return `${describeChange(e.data.current, now)} Nothing was changed.`;
    case "InvalidInput":
      return `Invalid ${e.data.field}: ${e.data.message}.`;
    case "NotEventdeskDatabase":
      return `${e.data.path} is not an Eventdesk database (${e.data.reason}). It was left untouched; set EVENTDESK_DB to another file.`;
    case "Corrupt":
      return `${e.data.path} is damaged (${e.data.reason}). Nothing more is written to it; restore it from a backup or start Eventdesk on another file.`;
    case "ReadOnly":
      return `${e.data.path} cannot be written: ${e.data.reason}. Nothing was changed.`;
    case "Busy":
      return `The database is busy: ${e.data.message}. Try again in a moment.`;
    case "Unreachable":
      return `${e.data.what} cannot be reached: ${e.data.message}.`;
    case "Offline":
      return `Offline since ${formatDateTime(e.data.since)}: the team's broker cannot be reached (${e.data.message}). The action was not sent; reading works, and this desk catches up when the broker is back.`;
    case "TeamFile":
      return `This desk's file is a replica of the team stream ${e.data.stream}: only that stream changes its events. Nothing was written; events reach the team through its stream, and actions on its events go through the stream.`;
    case "Forbidden":
      return `Refused by the team: ${e.data.message}. Every desk refused it alike; the team's admins decide who acts (Team panel).`;
    case "StreamChanged":
      return `The team stream ${e.data.stream} is not the one this desk's file was made from: ${e.data.message}. Nothing was applied from it; start this desk on a new file, or point it at the stream it replicated.`;
    case "DiskFull":
      return `The disk is full: ${e.data.message}. Nothing was written; free some space and try again.`;
    case "Replaced":
      return `${e.data.path} was replaced by another program while Eventdesk had it open (${e.data.found}). Nothing more is written to the file Eventdesk opened; restart Eventdesk to open the one there now.`;
    case "Storage":
      return `Storage error: ${e.data.message}. Nothing was written.`;
  }
}

/** "Event #12 was changed by the simulator 2 s ago: it is now critical and acknowledged." */
export function describeChange(current: Event, now = Date.now()): string {
  const who = current.updatedBy === "simulator" ? "the simulator" : actorName(current.updatedBy);
  return `Event #${current.id} was changed by ${who} ${ago(current.updatedAt, now)}: it is now ${current.severity} and ${current.status}.`;
}

export function ago(at: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
