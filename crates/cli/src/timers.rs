//! The team's timers as `roster` sets them: acknowledgement timeouts by severity, expiry.

use clap::Args;
use eventdesk_core::model::{AckTimeouts, TimerPolicy};
use eventdesk_core::Severity;

#[derive(Args, Debug, Default)]
pub struct TimerArgs {
    /// An acknowledgement of an event of SEVERITY that is not completed within MINUTES times
    /// out: the event is open again (`critical=15`; once per severity). Sets the team's
    /// timers: a severity not named never times out.
    #[arg(long = "ack-timeout", value_name = "SEVERITY=MINUTES", value_parser = ack_timeout)]
    ack_timeouts: Vec<(Severity, u32)>,
    /// Events not completed and without a change for this many hours complete themselves
    /// ("expired"). Sets the team's timers, as --ack-timeout does.
    #[arg(long)]
    expire_after_hours: Option<u32>,
    /// Switches the team's timers off.
    #[arg(long, conflicts_with_all = ["ack_timeouts", "expire_after_hours"])]
    no_timers: bool,
}

impl TimerArgs {
    /// The policy these arguments set, if they set one.
    pub fn policy(&self) -> Result<Option<TimerPolicy>, String> {
        if !self.no_timers && self.ack_timeouts.is_empty() && self.expire_after_hours.is_none() {
            return Ok(None);
        }
        let mut minutes = AckTimeouts::default();
        for (severity, m) in &self.ack_timeouts {
            let slot = match severity {
                Severity::Info => &mut minutes.info,
                Severity::Warning => &mut minutes.warning,
                Severity::Error => &mut minutes.error,
                Severity::Critical => &mut minutes.critical,
            };
            if slot.replace(*m).is_some() {
                return Err(format!("--ack-timeout names {severity} twice"));
            }
        }
        Ok(Some(TimerPolicy {
            ack_timeout_minutes: minutes,
            expire_after_hours: self.expire_after_hours,
        }))
    }
}

/// `SEVERITY=MINUTES`.
fn ack_timeout(text: &str) -> Result<(Severity, u32), String> {
    let (severity, minutes) = text
        .split_once('=')
        .ok_or_else(|| format!("expected SEVERITY=MINUTES, got {text:?}"))?;
    let severity = severity.parse::<Severity>().map_err(|e| e.to_string())?;
    let minutes = minutes
        .parse()
        .map_err(|_| format!("minutes must be a whole number, got {minutes:?}"))?;
    Ok((severity, minutes))
}
