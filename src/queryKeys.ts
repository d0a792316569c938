// Every TanStack Query key the UI uses, in one place: components that read the same data and
// code that refreshes it agree on its name.
import type { EventQuery } from "./bindings";

export const queryKeys = {
  /** Every page of every view. */
  pages: ["events"] as const,
  page: (query: EventQuery) => ["events", query] as const,
  event: (id: number) => ["event", id] as const,
  simulator: ["simulator"] as const,
  settings: ["settings"] as const,
  activity: ["activity"] as const,
  facets: ["facets"] as const,
  about: ["about"] as const,
  sources: ["sources"] as const,
  dedupGroups: ["dedupGroups"] as const,
  team: ["team"] as const,
  teamSetup: ["teamSetup"] as const,
  silences: ["silences"] as const,
  handover: ["handover"] as const,
};
