// What the backend wants the operator to know, shown where they look: warnings from the start
// (settings replaced by defaults, a read-only file) and problems found later (a damaged file).
import { useEffect } from "react";
import { api, describeError, messageOf } from "../api";
import { events } from "../bindings";
import type { Tone } from "./notices";
import { subscribe } from "../live/subscribe";

export function useWarnings(notify: (tone: Tone, text: string) => void) {
  useEffect(() => {
    let live = true;
    api
      .warnings()
      .then((all) => live && all.forEach((w) => notify("warning", w)))
      .catch(
        (e: unknown) =>
          live && notify("error", `Could not read the app's warnings: ${messageOf(e)}`),
      );
    const stop = subscribe(events.storageProblem.listen, (p) =>
      notify("error", describeError(p.error)),
    );
    return () => {
      live = false;
      stop();
    };
  }, [notify]);
}
