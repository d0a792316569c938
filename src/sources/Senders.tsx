// Who sends events, in the Sources panel: each sender heard (by way in and name), when it was
// last heard, its usual rhythm, and whether it went silent. A heartbeat (Alertmanager's
// Watchdog, PagerDuty's class "heartbeat") is never an event; when it stops, or a regular
// sender goes quiet, the desk raises an event of its own and notifies.
import type { Sender } from "../bindings";
import { formatTime, formatWhen } from "../format";

/** "every 30 s", "every 4 min", "every 2 h". */
export function rhythm(gapMs: number | null): string {
  if (gapMs === null) return "—";
  const s = Math.round(gapMs / 1000);
  if (s < 120) return `every ${s} s`;
  if (s < 7200) return `every ${Math.round(s / 60)} min`;
  if (s < 172_800) return `every ${Math.round(s / 3600)} h`;
  return `every ${Math.round(s / 86_400)} days`;
}

/** What a sender's state says: "silent since 14:02", "heartbeat", "learning its rhythm". */
export function senderState(s: Sender): string {
  if (s.silentSince !== null) return `silent since ${formatTime(s.silentSince)}`;
  if (s.heartbeat) return "heartbeat";
  return s.learned ? "heard" : "learning its rhythm";
}

export function Senders({ senders }: { senders: Sender[] }) {
  return (
    <div className="source senders">
      <h3>Senders</h3>
      {senders.length === 0 ? (
        <p className="hint">No sender heard yet.</p>
      ) : (
        <table aria-label="Senders">
          <thead>
            <tr>
              <th>Sender</th>
              <th>Through</th>
              <th>Last heard</th>
              <th>Usually</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {senders.map((s) => (
              <tr
                key={`${s.way}/${s.name}`}
                data-sender={`${s.way}/${s.name}`}
                className={s.silentSince !== null ? "silent" : undefined}
              >
                <td>{s.name}</td>
                <td>{s.way}</td>
                <td>{formatWhen(s.lastAt)}</td>
                <td>{rhythm(s.gapMs)}</td>
                <td className="sender-state">{senderState(s)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
