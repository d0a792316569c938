// The UI's view of the commands: results become values or thrown `CommandError`s that keep
// the typed error, so components branch on `error.kind`, never on message text.
import { commands, type AppError, type Event, type EventDetail, type Page } from "./bindings";

type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

export class CommandError extends Error {
  readonly error: AppError;

  constructor(error: AppError) {
    super(describeError(error));
    this.name = "CommandError";
    this.error = error;
  }

  get kind(): AppError["type"] {
    return this.error.type;
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

export const api = {
  listEvents: (page: number, pageSize: number): Promise<Page> =>
    unwrap(commands.listEvents({ page, pageSize })),
  getEvent: (id: number): Promise<EventDetail> => unwrap(commands.getEvent(id)),
  completeEvent: (id: number, expectedVersion: number): Promise<Event> =>
    unwrap(commands.completeEvent(id, expectedVersion)),
};

export function describeError(e: AppError): string {
  switch (e.type) {
    case "NotFound":
      return `Event #${e.data.id} no longer exists.`;
    case "Conflict":
      return `Event #${e.data.current.id} changed before your action reached it: ${describeState(e.data.current)}. Nothing was changed; review it and try again.`;
    case "InvalidInput":
      return `Invalid ${e.data.field}: ${e.data.message}.`;
    case "NotEventdeskDatabase":
      return `${e.data.path} is not an Eventdesk database (${e.data.reason}). It was left untouched; set EVENTDESK_DB to another file.`;
    case "Storage":
      return `Storage error: ${e.data.message}. Nothing was written.`;
  }
}

export function messageOf(e: unknown): string {
  if (e instanceof CommandError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

function describeState(event: Event): string {
  const who = event.updatedBy === "user" ? "you" : "the simulator";
  return `it is now ${event.severity} and ${event.status} (last changed by ${who})`;
}
