//! Roles and what each may do. Every use case asks these questions before it touches
//! data, so that pages, API and CLI refuse the same things.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Users and settings.
    Admin,
    /// Reads everything and comments.
    Leader,
    /// 项目办: edits every project, opens and closes reporting periods, runs batches.
    ProjectOffice,
    /// Bound to one 办事处: edits its own projects and reports.
    OfficeUser,
    /// Reads.
    Viewer,
    /// 科技局: the enterprise registry, indicators, tiers, targets and the ladder's rules.
    TechBureau,
}

crate::code::coded!(Role, "角色", Role::ALL);

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Admin, Role::Leader, Role::ProjectOffice, Role::OfficeUser, Role::Viewer, Role::TechBureau];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Leader => "leader",
            Role::ProjectOffice => "project_office",
            Role::OfficeUser => "office_user",
            Role::Viewer => "viewer",
            Role::TechBureau => "tech_bureau",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Leader => "区领导",
            Role::ProjectOffice => "项目办",
            Role::OfficeUser => "办事处用户",
            Role::Viewer => "只读用户",
            Role::TechBureau => "科技局",
        }
    }
}

/// Evidence that a write was allowed, and by whom it is made. Only [`Actor::permit`]
/// (a user's permission, asked of the rules below) and [`Permit::system`] (the command
/// line, start-up and background work, by name) make one; the app's write context
/// takes one, so a write cannot be opened without asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permit {
    who: String,
}

impl Permit {
    /// The system itself writes: `who` names it in the audit trail ("cli", "demo",
    /// "system"). For work no user asked for in a request.
    pub fn system(who: &'static str) -> Permit {
        Permit { who: who.to_string() }
    }

    /// The holder of a session's secret, acting on that session or their own account
    /// (signing in or out, their own password and tokens): the secret or the password
    /// is the permission.
    pub fn holder(username: &str) -> Permit {
        Permit { who: username.to_string() }
    }

    /// Who writes under this permit (a username, or the system's name).
    pub fn who(&self) -> &str {
        &self.who
    }
}

/// A refused permission, with the reason in the words a user reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// The acting user as the rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    /// Set for office users: the one 办事处 they belong to.
    pub office_id: Option<i64>,
}

impl Actor {
    /// A permit to write when `allowed` (one of the `can_…` rules below, asked of this
    /// actor), else the refusal with its reason.
    pub fn permit(&self, allowed: bool, refusal: &str) -> Result<Permit, Refusal> {
        if allowed { Ok(Permit { who: self.username.clone() }) } else { Err(Refusal(refusal.to_string())) }
    }

    /// May read a project of `office_id`? Office users see only their own office's
    /// projects; everyone else reads all.
    pub fn can_read_office(&self, office_id: i64) -> bool {
        match self.role {
            Role::OfficeUser => self.office_id == Some(office_id),
            _ => true,
        }
    }

    /// The office whose data this actor is confined to, if any.
    pub fn confined_to(&self) -> Option<i64> {
        match self.role {
            Role::OfficeUser => Some(self.office_id.unwrap_or(-1)),
            _ => None,
        }
    }

    /// May edit a project (header, stage, milestones, problems) of `office_id`?
    pub fn can_edit_project(&self, office_id: i64) -> bool {
        match self.role {
            Role::ProjectOffice => true,
            Role::OfficeUser => self.office_id == Some(office_id),
            _ => false,
        }
    }

    /// May create projects at all (office users only in their own office).
    pub fn can_create_projects(&self) -> bool {
        matches!(self.role, Role::ProjectOffice | Role::OfficeUser)
    }

    /// May submit a monthly report for a project of `office_id`?
    pub fn can_report(&self, office_id: i64) -> bool {
        self.can_edit_project(office_id)
    }

    pub fn can_comment(&self) -> bool {
        matches!(self.role, Role::Leader | Role::ProjectOffice | Role::Admin)
    }

    /// A meeting's scores, ballots, formula items, penalties and bonuses before the
    /// project office releases them are for the project office and the leaders (not
    /// the system administrator); once released, for everyone.
    pub fn can_see_meeting_results(&self, released: bool) -> bool {
        released || matches!(self.role, Role::Leader | Role::ProjectOffice)
    }

    /// Open and close periods, run campaign batches, import ledgers.
    pub fn can_manage_pipeline(&self) -> bool {
        self.role == Role::ProjectOffice
    }

    pub fn can_administer(&self) -> bool {
        self.role == Role::Admin
    }

    /// Edit the enterprise side: firms, indicators, tiers, targets, the ladder's rules.
    pub fn can_edit_enterprises(&self) -> bool {
        self.role == Role::TechBureau
    }

    /// A credit scheme another user proposed is approved by 科技局 or an administrator
    /// (four eyes: never by its proposer, which the use case checks).
    pub fn can_approve_credit_schemes(&self) -> bool {
        matches!(self.role, Role::TechBureau | Role::Admin)
    }

    /// Credit results before their public notice (公示): 科技局 only.
    pub fn can_see_unpublished_credit(&self) -> bool {
        self.role == Role::TechBureau
    }

    /// Read the enterprise side at all (the registry, tiers, candidate lists): the
    /// bureau, leaders, the project office, and office users for their own firms.
    /// The viewer and the administrator are not given firms' figures.
    pub fn can_read_enterprises(&self) -> bool {
        matches!(self.role, Role::TechBureau | Role::Leader | Role::ProjectOffice | Role::OfficeUser)
    }

    /// Read one firm registered in `office_id` (None: not yet assigned, which only the
    /// district-wide readers see).
    pub fn can_read_enterprise(&self, office_id: Option<i64>) -> bool {
        match self.role {
            Role::OfficeUser => office_id.is_some() && self.office_id == office_id,
            _ => self.can_read_enterprises(),
        }
    }

    /// The whole-system audit trail.
    pub fn can_read_audit(&self) -> bool {
        matches!(self.role, Role::Admin | Role::ProjectOffice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, office: Option<i64>) -> Actor {
        Actor { user_id: 1, username: "u".into(), role, office_id: office }
    }

    #[test]
    fn office_users_are_confined_to_their_office() {
        let a = actor(Role::OfficeUser, Some(3));
        assert!(a.can_read_office(3) && a.can_edit_project(3) && a.can_report(3));
        assert!(!a.can_read_office(4) && !a.can_edit_project(4) && !a.can_report(4));
        assert_eq!(a.confined_to(), Some(3));
        // An office user without an office sees nothing rather than everything.
        assert_eq!(actor(Role::OfficeUser, None).confined_to(), Some(-1));
    }

    #[test]
    fn leaders_read_and_comment_but_do_not_edit() {
        let l = actor(Role::Leader, None);
        assert!(l.can_read_office(9) && l.can_comment());
        assert!(!l.can_edit_project(9) && !l.can_manage_pipeline());
        let v = actor(Role::Viewer, None);
        assert!(v.can_read_office(9) && !v.can_comment() && !v.can_report(9));
        assert!(
            l.can_see_meeting_results(false) && !v.can_see_meeting_results(false) && v.can_see_meeting_results(true)
        );
        // The administrator runs the system, not the meeting.
        assert!(!actor(Role::Admin, None).can_see_meeting_results(false));
        assert!(actor(Role::ProjectOffice, None).can_see_meeting_results(false));
    }

    #[test]
    fn the_bureau_edits_firms_and_offices_read_only_their_own() {
        let bureau = actor(Role::TechBureau, None);
        assert!(bureau.can_edit_enterprises() && bureau.can_read_enterprise(None));
        assert!(!bureau.can_edit_project(1) && !bureau.can_manage_pipeline());
        let office = actor(Role::OfficeUser, Some(3));
        assert!(office.can_read_enterprise(Some(3)));
        assert!(!office.can_read_enterprise(Some(4)) && !office.can_read_enterprise(None));
        assert!(!office.can_edit_enterprises());
        for reader in [Role::Leader, Role::ProjectOffice] {
            assert!(actor(reader, None).can_read_enterprise(Some(9)) && !actor(reader, None).can_edit_enterprises());
        }
        assert!(!actor(Role::Viewer, None).can_read_enterprises());
        assert!(!actor(Role::Admin, None).can_read_enterprises());
    }

    #[test]
    fn role_codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
    }
}

#[cfg(test)]
mod permit_tests {
    use super::*;

    #[test]
    fn a_permit_is_the_actors_when_allowed_and_a_refusal_with_its_reason_when_not() {
        let a = Actor { user_id: 1, username: "xmb".into(), role: Role::ProjectOffice, office_id: None };
        assert_eq!(a.permit(a.can_manage_pipeline(), "不可").map(|p| p.who().to_string()), Ok("xmb".into()));
        let v = Actor { user_id: 2, username: "kan".into(), role: Role::Viewer, office_id: None };
        assert_eq!(
            v.permit(v.can_manage_pipeline(), "只有项目办可以开启填报期"),
            Err(Refusal("只有项目办可以开启填报期".into()))
        );
        assert_eq!(Permit::system("cli").who(), "cli");
    }
}
