//! A team as its log defines it: who is on its roster with which role, and the messages every
//! desk refused.

use serde::{Deserialize, Serialize};
use specta::Type;

/// What a broker user may do in a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Changes the roster and the team's limits, and acts on events.
    Admin,
    /// Acts on events.
    Operator,
    /// Sees the team's events; its actions are refused.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "operator" => Some(Role::Operator),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    /// May act on events.
    pub fn acts(self) -> bool {
        matches!(self, Role::Admin | Role::Operator)
    }
}

/// One broker user on a team's roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// The RabbitMQ user name: what the broker proves on each message.
    pub user: String,
    pub role: Role,
    /// How the team shows the user (the user name when none was given).
    pub name: Option<String>,
}

/// A team message every desk refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TeamRejection {
    pub offset: i64,
    /// The publisher the broker proved, if the message carried one.
    pub user: Option<String>,
    pub action_id: Option<String>,
    pub reason: String,
    /// Its size in bytes.
    pub size: i64,
}
