// The desk's timers in the Settings panel: how long an acknowledgement lasts per severity
// (then the event is open again, and a critical one notifies again) and after how long
// without a change an event completes itself ("expired"). A team desk follows its team's
// timers, which its admin sets on the roster: shown here, not editable.
import type { AckTimeouts, Severity, TimerPolicy } from "../bindings";

const SEVERITIES: Severity[] = ["critical", "error", "warning", "info"];
/** Minutes an acknowledgement may last: the choices offered (the core takes 1 to 10080). */
const ACK_MINUTES = [5, 15, 30, 60, 120, 240, 480, 1440];
/** Hours without a change before an event expires (the core takes 1 to 8760). */
const EXPIRY_HOURS = [4, 12, 24, 72, 168, 720];

/** "15 min", "2 h", "3 days". */
export function span(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 1440 || minutes % 1440 !== 0) return `${minutes / 60} h`;
  return minutes === 1440 ? "1 day" : `${minutes / 1440} days`;
}

function Choice(props: {
  id: string;
  label: string;
  value: number | null;
  choices: number[];
  minutesEach: number;
  disabled: boolean;
  onChange: (value: number | null) => void;
}) {
  const { value, choices } = props;
  // A value set elsewhere (the tool, a team) is offered as it is.
  const offered = value === null || choices.includes(value) ? choices : [...choices, value];
  return (
    <label>
      {props.label}
      <select
        id={props.id}
        aria-label={props.label}
        value={value ?? ""}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.target.value === "" ? null : Number(e.target.value))}
      >
        <option value="">Never</option>
        {offered.map((v) => (
          <option key={v} value={v}>
            {span(v * props.minutesEach)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The timers' controls; `team` is the team's policy on a team desk (shown read-only). */
export function TimerSettings(props: {
  timers: TimerPolicy;
  team: TimerPolicy | null;
  onChange: (timers: TimerPolicy) => void;
}) {
  const timers = props.team ?? props.timers;
  const readOnly = props.team !== null;
  const ack = (s: Severity, v: number | null) =>
    props.onChange({
      ...timers,
      ackTimeoutMinutes: { ...timers.ackTimeoutMinutes, [s]: v } as AckTimeouts,
    });
  return (
    <fieldset className="timers">
      <legend>Acknowledgement times out after</legend>
      {readOnly && (
        <p className="hint">
          This desk follows its team&apos;s timers; an admin sets them (eventdesk-cli roster
          --ack-timeout, --expire-after-hours).
        </p>
      )}
      {SEVERITIES.map((s) => (
        <Choice
          key={s}
          id={`setting-ack-timeout-${s}`}
          label={`${s} events`}
          value={timers.ackTimeoutMinutes[s]}
          choices={ACK_MINUTES}
          minutesEach={1}
          disabled={readOnly}
          onChange={(v) => ack(s, v)}
        />
      ))}
      <Choice
        id="setting-expire-after"
        label="Complete events unchanged for"
        value={timers.expireAfterHours}
        choices={EXPIRY_HOURS}
        minutesEach={60}
        disabled={readOnly}
        onChange={(expireAfterHours) => props.onChange({ ...timers, expireAfterHours })}
      />
    </fieldset>
  );
}
