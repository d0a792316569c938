// What pushes do besides updating the table: a sound for new events of a chosen severity, and
// a refresh of the activity strip when events were created (at most every 2 s).
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import type { Sounds } from "../bindings";
import { onPush } from "./pushes";
import { queryKeys } from "../queryKeys";
import { playTone, soundFor } from "./sound";

const ACTIVITY_EVERY_MS = 2_000;

export function usePushCues(sounds: Sounds | undefined) {
  const qc = useQueryClient();
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = onPush((set) => {
      const severity = sounds ? soundFor(set, sounds) : null;
      if (severity) playTone(severity);
      if (set.created.length === 0 || timer !== undefined) return;
      timer = setTimeout(
        () => {
          timer = undefined;
          last = Date.now();
          void qc.invalidateQueries({ queryKey: queryKeys.activity });
        },
        Math.max(0, last + ACTIVITY_EVERY_MS - Date.now()),
      );
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [qc, sounds]);
}
