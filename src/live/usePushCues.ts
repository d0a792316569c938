// What pushes do besides updating the data: a sound for new events of a chosen severity.
import { useEffect } from "react";
import type { Sounds } from "../bindings";
import { onPush } from "./pushes";
import { playTone, soundFor } from "./sound";

export function usePushCues(sounds: Sounds | undefined) {
  useEffect(
    () =>
      onPush((set) => {
        const severity = sounds ? soundFor(set, sounds) : null;
        if (severity) playTone(severity);
      }),
    [sounds],
  );
}
