// Pushed change sets, listened to once for the whole window and handed to every part that
// follows them (the table, the detail pane, the simulator panel, the activity strip, sounds).
// One subscription means one order: every listener sees the sets in the order they came.
import { events, type ChangeSet } from "../bindings";
import { subscribe } from "./subscribe";

type Listener = (set: ChangeSet) => void;

const listeners = new Set<Listener>();
let stop: (() => void) | null = null;

function fanOut(set: ChangeSet) {
  for (const listener of [...listeners]) listener(set);
}

/** Calls `listener` with every pushed set until the returned function is called. */
export function onPush(listener: Listener): () => void {
  listeners.add(listener);
  stop ??= subscribe(events.eventsChanged.listen, fanOut);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      stop?.();
      stop = null;
    }
  };
}
