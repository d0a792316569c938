// Optional sounds for new events, one tone per severity, made with Web Audio (no files).
import type { ChangeSet, Severity, Sounds } from "../bindings";

const PITCH: Record<Severity, number> = { info: 440, warning: 523, error: 659, critical: 880 };
const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2, critical: 3 };
/** At most one sound this often, so a burst of events is one sound, not a hundred. */
export const SOUND_GAP_MS = 2_000;

/** The most severe new event in `set` whose severity has a sound switched on, if any. */
export function soundFor(set: ChangeSet, sounds: Sounds): Severity | null {
  const created = new Set(set.created);
  let best: Severity | null = null;
  for (const row of set.rows) {
    const isNew = created.has(row.id) || set.critical.includes(row.id);
    if (!isNew || !sounds[row.severity]) continue;
    if (best === null || RANK[row.severity] > RANK[best]) best = row.severity;
  }
  return best;
}

let context: AudioContext | null = null;
let lastPlayed = -Infinity;

/** Plays the tone for `severity`, unless one played less than SOUND_GAP_MS ago. */
export function playTone(severity: Severity, now = Date.now()): boolean {
  if (now - lastPlayed < SOUND_GAP_MS || typeof AudioContext === "undefined") return false;
  lastPlayed = now;
  context ??= new AudioContext();
  const osc = context.createOscillator();
  const gain = context.createGain();
  osc.frequency.value = PITCH[severity];
  gain.gain.setValueAtTime(0.15, context.currentTime);
  gain.gain.exponentialRampToValueAtTime(
    0.001,
    context.currentTime + (severity === "critical" ? 0.6 : 0.25),
  );
  osc.connect(gain).connect(context.destination);
  osc.start();
  osc.stop(context.currentTime + 0.6);
  return true;
}
