//! A desk's team state as canonical lines, for comparing replicas.

use super::key_order;
use crate::db::team_dump;
use crate::db::Handle;
use crate::error::{Error, Result};
use serde::Serialize;

/// How each event of a desk's file stands, what each team action did, the roster, every
/// version of every silence and the messages refused, as canonical JSON lines (keys sorted; events in team-key order, actions
/// and refusals in stream order, members by user), so that two replicas of one stream can be
/// compared with `diff`. Local ids are left out for team events
/// (they may differ between desks).
pub fn dump(conn: &impl Handle, out: &mut dyn std::io::Write) -> Result<()> {
    let team_dump::TeamDump {
        mut events,
        actions,
        roster,
        rejections,
    } = team_dump::snapshot(conn)?;
    events.sort_by_key(|e| {
        (
            e.team.is_none(),
            e.team.as_deref().and_then(key_order),
            e.team.clone(),
            e.id,
        )
    });
    for e in &events {
        write_line(out, e)?;
    }
    for line in actions {
        write_line(out, &line)?;
    }
    for member in roster {
        write_line(
            out,
            &serde_json::json!({ "member": member.user, "role": member.role, "name": member.name }),
        )?;
    }
    for silence in crate::db::silences::all_versions(conn)? {
        // A team silence by its team key: local ids may differ between desks.
        let mut line = serde_json::to_value(&silence).map_err(Error::storage)?;
        if let (Some(fields), Some(_)) = (line.as_object_mut(), &silence.team_key) {
            fields.remove("id");
        }
        write_line(out, &serde_json::json!({ "silence": line }))?;
    }
    for r in rejections {
        write_line(
            out,
            &serde_json::json!({ "rejected": r.offset, "user": r.user, "actionId": r.action_id,
                                 "reason": r.reason, "size": r.size }),
        )?;
    }
    Ok(())
}

fn write_line(out: &mut dyn std::io::Write, line: &impl Serialize) -> Result<()> {
    let text = serde_json::to_string(line).map_err(Error::storage)?;
    writeln!(out, "{text}").map_err(|e| Error::storage(format!("cannot write: {e}")))
}
