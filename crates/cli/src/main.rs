//! `eventdesk-cli`: headless tools over an Eventdesk database (no window, no Tauri). Every
//! flag is checked before the database is touched; a file that is not an Eventdesk database,
//! or is damaged, is refused without being written to. Each command lives in the module that
//! names it below; this file only dispatches.

mod assign;
mod broker;
mod gateway;
mod handover;
mod inspect;
mod local;
mod note;
mod queues;
mod silences;
mod snooze;
mod sources;
mod team;
mod timers;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "eventdesk-cli",
    version,
    about = "Headless tools over an Eventdesk database"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fill an empty database with realistic events and their history.
    Seed(local::SeedArgs),
    /// Raise one event's severity as the simulator would (for scripts and tests).
    Escalate(local::EscalateArgs),
    /// Make simulator changes without a window, in one transaction.
    Simulate(local::SimulateArgs),
    /// Run the simulator at a rate for a while, printing the last committed seq after each
    /// commit (for crash tests: what it printed is committed).
    Run(local::RunArgs),
    /// Check a database: its integrity, counts, change log and versions. Prints a JSON report;
    /// exits with 1 when a problem was found.
    Check(inspect::CheckArgs),
    /// Write every event (newest first), or those carrying the labels named with --label, to
    /// a CSV or JSON file, as the window's Export does.
    Export(inspect::ExportArgs),
    /// Print the event count and the last change seq as JSON.
    Stats(inspect::DbArgs),
    /// Print one event and its history as JSON.
    Show(inspect::ShowArgs),
    /// Print the saved settings, one `key<TAB>JSON value` line each.
    Settings(inspect::DbArgs),
    /// Print what each source rejected, as kept (its 50 latest reasons, each with how many
    /// messages, when first and last, and where the last was): one JSON line each.
    Rejections(inspect::DbArgs),
    /// Print every event as one JSON line (keys sorted), in id order. With --team, what every
    /// replica of a team's stream agrees on: each event by team key (status, severity,
    /// version, last actor; no local ids or times), then each team action's outcome, so that
    /// two desks can be compared with `diff`.
    Dump(inspect::DumpArgs),
    /// What changed since a moment (--since MS or --hours N): new events, severities raised,
    /// events others completed or reopened, acknowledgements that timed out, notes others left,
    /// silences made and ended, each counted with its latest events. Prints JSON.
    Handover(handover::HandoverArgs),
    /// Silences in a desk's file or on a team's stream: add, list, expire.
    Silence(silences::SilenceArgs),
    /// Claim an event (--me), assign it to an operator (--to NAME), or release it (--nobody):
    /// in a desk's file, or on a team's stream. Prints the event as JSON (or the message's id).
    Assign(assign::AssignArgs),
    /// Leave a note on an event (--text): in a desk's file, or on a team's stream. Prints the
    /// event as JSON (or the message's id).
    Note(note::NoteArgs),
    /// Snooze an event until a time (--minutes or --until), or wake it (--wake): in a desk's
    /// file, or on a team's stream. Prints the event as JSON (or the message's id).
    Snooze(snooze::SnoozeArgs),
    /// Found a team: declare its stream and publish the founding roster message as the broker
    /// user, who becomes its first admin. Prints the join string, STREAM/ADMIN.
    CreateTeam(team::CreateTeamArgs),
    /// Change a team's roster or limits, as an admin (the broker user): it counts on every
    /// desk only when that user is an admin at that point of the team's log.
    Roster(team::RosterArgs),
    /// Keep a database as a replica of a team's RabbitMQ stream: apply every message in
    /// stream order from where it stopped (or the first retained message). Prints what it
    /// applied as JSON when it ends.
    Replicate(team::ReplicateArgs),
    /// Publish an operator's action to a team's stream, as the broker user (it takes effect on
    /// every desk when applied from the stream, if that user may act). Prints the action's id.
    Act(team::ActArgs),
    /// Feed senders into a team's stream: PagerDuty Events v2 and Alertmanager webhook over
    /// HTTP, and JSON lines on standard input, each answered once RabbitMQ confirmed it.
    Gateway(gateway::GatewayArgs),
    /// Apply alert messages (PagerDuty Events API v2 or Alertmanager webhook JSON): one message
    /// a line from standard input, or from a RabbitMQ queue or stream with --amqp and --queue.
    /// Prints what they did as JSON; with standard input, rejected lines are named on standard
    /// error and make the exit status 1 (the other lines are applied).
    Ingest(sources::IngestArgs),
    /// Print which sources share dedup keys (JSON), or set them with --join (a key belongs to
    /// the source that raised its event unless its source is joined with the sender's).
    DedupGroups(sources::DedupGroupsArgs),
    /// Declare a durable RabbitMQ stream (or queue), bound to an exchange if asked.
    Declare(queues::DeclareArgs),
    /// Publish each line of standard input as one persistent message and wait for RabbitMQ's
    /// confirms: to a queue through the default exchange, or to an exchange.
    Publish(queues::PublishArgs),
}

fn main() -> ExitCode {
    // clap prints usage errors itself and exits with 2.
    let cli = Cli::parse();
    let done = match cli.command {
        Command::Seed(args) => local::seed(args),
        Command::Escalate(args) => local::escalate(args),
        Command::Simulate(args) => local::simulate(args),
        Command::Run(args) => local::run(args),
        Command::Check(args) => inspect::check(args),
        Command::Export(args) => inspect::export(args),
        Command::Stats(args) => inspect::stats(args),
        Command::Show(args) => inspect::show(args),
        Command::Settings(args) => inspect::settings(args),
        Command::Rejections(args) => inspect::rejections(args),
        Command::Dump(args) => inspect::dump(args),
        Command::Handover(args) => handover::handover(args),
        Command::Silence(args) => silences::run(args),
        Command::Assign(args) => assign::assign(args),
        Command::Note(args) => note::note(args),
        Command::Snooze(args) => snooze::snooze(args),
        Command::CreateTeam(args) => team::create_team(args),
        Command::Roster(args) => team::roster(args),
        Command::Replicate(args) => team::replicate(args),
        Command::Act(args) => team::act(args),
        Command::Gateway(args) => gateway::gateway(args),
        Command::Ingest(args) => sources::ingest(args),
        Command::DedupGroups(args) => sources::dedup_groups(args),
        Command::Declare(args) => queues::declare(args),
        Command::Publish(args) => queues::publish(args),
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("eventdesk-cli: {e}");
            ExitCode::FAILURE
        }
    }
}
