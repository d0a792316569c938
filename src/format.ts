import type { Event } from "./bindings";
import { usableLocale } from "./locale";

const locale = usableLocale();
const timeFormat = new Intl.DateTimeFormat(locale, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
const shortDateTimeFormat = new Intl.DateTimeFormat(locale, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});
const dateTimeFormat = new Intl.DateTimeFormat(locale, {
  dateStyle: "medium",
  timeStyle: "medium",
});

export function formatTime(ms: number): string {
  return timeFormat.format(new Date(ms));
}

export function formatDateTime(ms: number): string {
  return dateTimeFormat.format(new Date(ms));
}

/** When something happened, as a column shows it: the time for today, else the date and time. */
export function formatWhen(ms: number, now = Date.now()): string {
  const at = new Date(ms);
  const today = new Date(now);
  const sameDay =
    at.getFullYear() === today.getFullYear() &&
    at.getMonth() === today.getMonth() &&
    at.getDate() === today.getDate();
  return sameDay ? timeFormat.format(at) : shortDateTimeFormat.format(at);
}

/** A team's display names of its operators, by broker user (from the roster). */
export type OperatorNames = ReadonlyMap<string, string>;
const noNames: OperatorNames = new Map();

/**
 * Who made a change, as the window says it: "you" (this desk's operator), "simulator", a
 * named operator (in a team, the roster's display name for the broker user), where the
 * event came from ("pagerduty", "alertmanager", "rabbitmq:alerts", "stdin"), or one of the
 * desk's timers ("acknowledgement timeout", "expiry").
 */
export function actorName(actor: Event["updatedBy"], names: OperatorNames = noNames): string {
  if (actor === "user") return "you";
  const [kind, ...rest] = actor.split(":");
  const name = rest.join(":");
  if (kind === "operator" && name) return names.get(name) ?? name;
  if (kind === "source" && name) return name;
  if (kind === "timer" && name) return TIMERS[name] ?? name;
  return actor;
}

/** The desk's timers as the window names them when they change an event. */
const TIMERS: Record<string, string> = {
  "ack-timeout": "acknowledgement timeout",
  expiry: "expiry",
  senders: "sender watch",
};

/** As `actorName`, with the broker user after a display name: "Bob B. (bob)". */
export function actorLabel(actor: Event["updatedBy"], names: OperatorNames = noNames): string {
  const shown = actorName(actor, names);
  const user = actor.startsWith("operator:") ? actor.slice("operator:".length) : null;
  return user !== null && shown !== user ? `${shown} (${user})` : shown;
}

/** Whether a change came from outside: a source of events. */
export function isSource(actor: Event["updatedBy"]): boolean {
  return actor.startsWith("source:");
}

/** The status column's main words, e.g. "Completed by you". */
export function statusText(e: Event, names: OperatorNames = noNames): string {
  if (e.status === "completed") {
    if (e.completedBy === "timer:expiry") return "Expired";
    return `Completed by ${actorName(e.completedBy ?? e.updatedBy, names)}`;
  }
  return e.status === "open" ? "Open" : "Acknowledged";
}

/** A note shown under the status when someone undid a completion, e.g. "reopened by simulator". */
export function overrideText(e: Event, names: OperatorNames = noNames): string | null {
  if (e.status === "completed" || e.reopenedBy === null || e.reopenedAt === null) return null;
  return `reopened by ${actorName(e.reopenedBy, names)} at ${formatTime(e.reopenedAt)}`;
}
