// Team mode: this desk's replica of the team's stream (connected to which node, offline since
// when, catching up), the desks heard on the team's presence exchange, the roster as the log
// has it, and the messages every desk refused. State comes from Rust (`team_status`, then
// `TeamChanged` pushes); nothing here polls.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { ago, api } from "../api";
import { useCommand } from "../useCommand";
import { events, type DeskView, type Member, type TeamStatus } from "../bindings";
import { ErrorLine } from "../controls";
import { formatTime, type OperatorNames } from "../format";
import { queryKeys } from "../queryKeys";
import { queueStateText } from "../sources/SourcesPanel";
import { subscribe } from "../live/subscribe";

/** The team's state, kept current by pushes; `null` when the desk works alone. A silence
 * made, edited or expired at any desk of the team moves `silenceVersions`: the silences and
 * the views (what they mute) are read again. */
export function useTeam(): TeamStatus | null {
  const qc = useQueryClient();
  const status = useQuery({ queryKey: queryKeys.team, queryFn: api.teamStatus });
  useEffect(
    () => subscribe(events.teamChanged.listen, (s) => qc.setQueryData(queryKeys.team, s)),
    [qc],
  );
  const silenceVersions = status.data?.silenceVersions;
  const seen = useRef(silenceVersions);
  useEffect(() => {
    if (silenceVersions === undefined || seen.current === silenceVersions) return;
    const first = seen.current === undefined;
    seen.current = silenceVersions;
    if (first) return;
    void qc.invalidateQueries({ queryKey: queryKeys.silences });
    void qc.invalidateQueries({ queryKey: queryKeys.pages });
  }, [qc, silenceVersions]);
  return status.data ?? null;
}

/** This desk's operator as the core names assignees: `user` alone, `operator:NAME` on a team. */
export function operatorOf(team: TeamStatus | null): string {
  return team ? `operator:${team.operator}` : "user";
}

/** The team's display names by broker user, for whoever shows an actor; empty alone. */
export const OperatorNamesContext = createContext<OperatorNames>(new Map());

/** The roster's display names, a new map only when the roster changes. */
export function useOperatorNames(team: TeamStatus | null): OperatorNames {
  const roster = JSON.stringify(team?.roster ?? []);
  return useMemo(() => {
    const members = JSON.parse(roster) as Member[];
    return new Map(members.filter((m) => m.name !== null).map((m) => [m.user, m.name as string]));
  }, [roster]);
}

/** The toolbar's word on the team: where this desk stands. */
export function teamSummary(team: TeamStatus): string {
  const state = team.replica.state;
  if (state.state === "offline") return `Offline since ${formatTime(state.since)}`;
  if (state.state === "connecting") return "Connecting…";
  if (team.catchingUp) return "Catching up…";
  return state.state === "connected" ? "Team: in step" : queueStateText(state);
}

function deskProgress(d: DeskView): string {
  if (d.nextOffset === null) return "nothing applied yet";
  if (d.behind === null || d.behind <= 0) return "up to date";
  return `${d.behind} behind`;
}

/** How the team shows a broker user: the roster's display name, with the user name. */
export function memberName(roster: Member[], user: string): string {
  const name = roster.find((m) => m.user === user)?.name;
  return name ? `${name} (${user})` : user;
}

/** The Team panel. */
export function TeamPanel({ team, now = Date.now() }: { team: TeamStatus | null; now?: number }) {
  if (team === null) {
    return (
      <section className="team" aria-labelledby="team-heading">
        <h2 id="team-heading">Team</h2>
        <p>
          This desk works alone. Desks that share a RabbitMQ stream see every event and every action
          of each other (see the README).
        </p>
        <JoinTeam />
      </section>
    );
  }
  const counts = team.replica.activity.counts;
  return (
    <section className="team" aria-labelledby="team-heading">
      <h2 id="team-heading">Team</h2>
      <p>
        Team <code>{team.team}</code>: you are{" "}
        <strong>{memberName(team.roster, team.operator)}</strong> (
        {team.roster.find((m) => m.user === team.operator)?.role ?? "not on the roster"}) at desk{" "}
        <strong>{team.desk}</strong>.
      </p>
      <p className="source-state" data-team-state={team.replica.state.state}>
        {queueStateText(team.replica.state)}
        {team.replica.node &&
          team.replica.state.state === "connected" &&
          ` · node ${team.replica.node}`}
        {team.catchingUp && " · catching up"}
      </p>
      <p>
        {counts.applied} messages applied here
        {team.nextOffset !== null && ` (next offset ${team.nextOffset})`}: {counts.created} events
        created, {counts.acknowledged + counts.completed + counts.reopened} actions,{" "}
        {counts.conflicts} conflicts.
      </p>
      <table className="desks" aria-label="Desks">
        <thead>
          <tr>
            <th scope="col">Desk</th>
            <th scope="col">Operator</th>
            <th scope="col">Progress</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {team.desks.map((d) => (
            <tr key={d.desk} data-desk={d.desk} className={d.online ? "online" : "gone"}>
              <td>
                {d.desk}
                {d.me && " (this desk)"}
                {d.simulating && " · simulating"}
              </td>
              <td>{d.operator}</td>
              <td>{deskProgress(d)}</td>
              <td>{d.online ? "online" : `gone, last seen ${ago(d.lastSeen, now)}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {team.desks.length === 0 && <p>No desk heard yet (desks announce themselves every 3 s).</p>}
      <table className="roster" aria-label="Roster">
        <thead>
          <tr>
            <th scope="col">Broker user</th>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
          </tr>
        </thead>
        <tbody>
          {team.roster.map((m) => (
            <tr key={m.user} data-member={m.user}>
              <td>{m.user}</td>
              <td>{m.name ?? ""}</td>
              <td>{m.role}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Refused messages ({team.rejected})</h3>
      {team.rejected === 0 ? (
        <p>None: every action and roster change came from someone the roster allows.</p>
      ) : (
        <ul className="rejections" aria-label="Refused messages">
          {team.rejections.map((r) => (
            <li key={r.offset} data-offset={r.offset}>
              offset {r.offset}
              {r.user !== null && ` from ${r.user}`}
              {r.actionId !== null && ` (action ${r.actionId})`}: {r.reason}
            </li>
          ))}
          {team.rejected > team.rejections.length && (
            <li>… and {team.rejected - team.rejections.length} earlier ones</li>
          )}
        </ul>
      )}
    </section>
  );
}

/** The team this desk joins at its next start: saved here (the password in the credential
 * store). The desk acts as the broker user of the URLs, as RabbitMQ proves it. */
function JoinTeam() {
  const saved = useQuery({ queryKey: queryKeys.teamSetup, queryFn: api.teamSetup });
  const [form, setForm] = useState({ urls: "", password: "", team: "", desk: "" });
  const { run: save, busy, error } = useCommand(api.setTeam, queryKeys.teamSetup);
  if (saved.data) {
    const s = saved.data;
    return (
      <div className="join-team">
        <p className="source-state">
          At its next start this desk joins the team <code>{s.team}</code> at <code>{s.urls}</code>{" "}
          as {s.user}, desk {s.desk}.
        </p>
        <button type="button" disabled={busy} onClick={() => void save(null)}>
          Forget this team
        </button>
        <ErrorLine error={error} />
      </div>
    );
  }
  const field = (name: keyof typeof form, label: string, placeholder: string) => (
    <label>
      {label}
      <input
        type={name === "password" ? "password" : "text"}
        autoComplete="off"
        spellCheck={false}
        placeholder={placeholder}
        value={form[name]}
        onChange={(e) => setForm({ ...form, [name]: e.target.value })}
      />
    </label>
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save(form);
  };
  return (
    <form className="join-team" onSubmit={submit} aria-label="Join a team">
      {field("urls", "RabbitMQ URLs", "amqp://alice@mq-1:5672/%2f, amqp://alice@mq-2:5672/%2f")}
      {field("password", "Password", "the URLs' user's password")}
      {field("team", "Team", "ops/admin-user")}
      {field("desk", "Desk", "alice-laptop")}
      <button type="submit" disabled={busy}>
        Join at next start
      </button>
      <ErrorLine error={error} />
    </form>
  );
}
