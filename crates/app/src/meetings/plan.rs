//! The plan: which offices take part (and in which groups), the sites each office
//! proposes and the project office confirms, the route's order and times, the points
//! formula's per-site inputs, and bonus/penalty items.
//!
//! Hard rules refuse with the reason: a site's office must take part, at most
//! [`MAX_SITES_PER_OFFICE`] sites per office, no project shown at the previous meeting.
//! The soft rule (an industrial project per office) is a warning on the plan.

use super::*;

/// One office's place in the meeting's scope.
#[derive(Debug, Clone)]
pub struct ScopeLine {
    pub office_id: i64,
    pub taking_part: bool,
    pub group: String,
}

/// One stop on the route as the project office orders it.
#[derive(Debug, Clone)]
pub struct RouteLine {
    pub site_id: i64,
    pub seq: i32,
    pub visit_time: String,
}

/// One criterion of the rubric as typed: name, weight in the 100-point total, and the
/// points a judge gives out of.
#[derive(Debug, Clone)]
pub struct CriterionLine {
    pub name: String,
    pub weight: String,
    pub max: String,
}

/// At most this many criteria in a rubric (a judge scores each at every site).
pub const MAX_CRITERIA: usize = 12;

impl Meetings<'_> {
    /// Replaces the meeting's rubric. Weights must add up to 100 and every maximum be
    /// positive; once a judge has scored, the rubric stays as it is.
    pub async fn set_rubric(&self, actor: &Actor, meeting_id: i64, lines: &[CriterionLine]) -> Result<()> {
        use fengkou_domain::observation::check_rubric;
        let permit = Self::require_office(actor)?;
        let mut problems = Vec::new();
        let mut criteria = Vec::new();
        let lines: Vec<&CriterionLine> =
            lines.iter().filter(|l| !(l.name.trim().is_empty() && l.weight.trim().is_empty())).collect();
        if lines.is_empty() || lines.len() > MAX_CRITERIA {
            problems.push(FieldError::new("评分细则", format!("须有1到{MAX_CRITERIA}项")));
        }
        for (i, l) in lines.iter().enumerate() {
            let n = i + 1;
            let name = l.name.trim();
            if name.is_empty() || name.chars().count() > 30 {
                problems.push(FieldError::new("名称", format!("第{n}项的名称须为1到30个字")));
            } else if lines[..i].iter().any(|o| o.name.trim() == name) {
                problems.push(FieldError::new("名称", format!("第{n}项“{name}”与前面重复")));
            }
            let number =
                |field: &'static str, raw: &str, problems: &mut Vec<FieldError>| match Decimal::from_str(raw.trim()) {
                    Ok(v) if v > Decimal::ZERO && v <= Decimal::ONE_HUNDRED => v,
                    _ => {
                        problems
                            .push(FieldError::new(field, format!("第{n}项的“{}”须为大于0、不超过100的数", raw.trim())));
                        Decimal::ZERO
                    }
                };
            let weight = number("权重", &l.weight, &mut problems);
            // The maximum defaults to the weight (each criterion scored out of its weight).
            let max = if l.max.trim().is_empty() { weight } else { number("满分", &l.max, &mut problems) };
            criteria.push(Criterion { name: name.to_string(), weight, max });
        }
        if problems.is_empty()
            && let Err(e) = check_rubric(&criteria)
        {
            problems.push(FieldError::new("权重", e.to_string()));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let mut txn = self.write(permit).await?;
        self.meeting_row(&txn, meeting_id).await?;
        let scored = meeting_score::Entity::find()
            .filter(meeting_score::Column::MeetingId.eq(meeting_id))
            .one(&txn)
            .await?
            .is_some();
        if scored {
            return Err(MeetingError::CriteriaFixedByScores.into());
        }
        let before = meeting_criterion::Entity::find()
            .filter(meeting_criterion::Column::MeetingId.eq(meeting_id))
            .all(&txn)
            .await?;
        meeting_criterion::Entity::delete_many()
            .filter(meeting_criterion::Column::MeetingId.eq(meeting_id))
            .exec(&txn)
            .await?;
        let mut after = Vec::new();
        for (seq, c) in criteria.iter().enumerate() {
            after.push(
                meeting_criterion::ActiveModel {
                    meeting_id: Set(meeting_id),
                    name: Set(c.name.clone()),
                    weight: Set(c.weight.into()),
                    max: Set(c.max.into()),
                    seq: Set(seq as i32),
                    ..Default::default()
                }
                .insert(&txn)
                .await?,
            );
        }
        txn.updated("meeting_rubric", meeting_id, None, json(&before), &after);
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }

    /// Sets which offices take part and their groups (empty group: no groups).
    pub async fn set_scope(&self, actor: &Actor, meeting_id: i64, lines: &[ScopeLine]) -> Result<()> {
        let permit = Self::require_office(actor)?;
        let mut problems = Vec::new();
        for l in lines.iter().filter(|l| l.group.chars().count() > 20) {
            problems.push(FieldError::new("分组", format!("办事处{}的分组名称不能超过20个字", l.office_id)));
        }
        if !lines.iter().any(|l| l.taking_part) {
            problems.push(FieldError::new("参加办事处", "至少要有一个办事处参加"));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let mut txn = self.write(permit).await?;
        let m = self.meeting_row(&txn, meeting_id).await?;
        not_released(&m)?;
        let known: HashMap<i64, String> =
            office::Entity::find().all(&txn).await?.into_iter().map(|o| (o.id, o.name)).collect();
        let sites = meeting_site::Entity::find().filter(meeting_site::Column::MeetingId.eq(m.id)).all(&txn).await?;
        for l in lines {
            let Some(name) = known.get(&l.office_id) else {
                return Err(AppError::NotFound("办事处"));
            };
            if !l.taking_part && sites.iter().any(|s| s.office_id == l.office_id) {
                return Err(MeetingError::OfficeHasSites { office: name.clone() }.into());
            }
        }
        let before: Vec<meeting_office::Model> =
            meeting_office::Entity::find().filter(meeting_office::Column::MeetingId.eq(m.id)).all(&txn).await?;
        meeting_office::Entity::delete_many().filter(meeting_office::Column::MeetingId.eq(m.id)).exec(&txn).await?;
        let mut after = Vec::new();
        for l in lines.iter().filter(|l| l.taking_part) {
            after.push(
                meeting_office::ActiveModel {
                    meeting_id: Set(m.id),
                    office_id: Set(l.office_id),
                    group_name: Set(l.group.trim().to_string()),
                    ..Default::default()
                }
                .insert(&txn)
                .await?,
            );
        }
        txn.updated("meeting_scope", m.id, None, json(&before), &after);
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }

    /// The meeting held just before this one (by date, then by id), if any.
    async fn previous_meeting<C: ConnectionTrait>(&self, db: &C, m: &meeting::Model) -> Result<Option<meeting::Model>> {
        let earlier = meeting::Entity::find()
            .filter(meeting::Column::Id.ne(m.id))
            .order_by_desc(meeting::Column::HeldOn)
            .order_by_desc(meeting::Column::Id)
            .all(db)
            .await?;
        Ok(earlier.into_iter().find(|e| (e.held_on, e.id) < (m.held_on, m.id)))
    }

    /// The hard rules for putting `project` on the route (`except`: the site being
    /// confirmed, which does not count against itself).
    async fn check_site_rules<C: ConnectionTrait>(
        &self,
        db: &C,
        m: &meeting::Model,
        p: &project::Model,
        except: Option<i64>,
    ) -> Result<()> {
        let office_name = office::Entity::find_by_id(p.office_id).one(db).await?.map(|o| o.name).unwrap_or_default();
        let taking_part = meeting_office::Entity::find()
            .filter(meeting_office::Column::MeetingId.eq(m.id))
            .filter(meeting_office::Column::OfficeId.eq(p.office_id))
            .one(db)
            .await?
            .is_some();
        if !taking_part {
            return Err(MeetingError::OfficeNotTakingPart { office: office_name }.into());
        }
        let sites: Vec<meeting_site::Model> = meeting_site::Entity::find()
            .filter(meeting_site::Column::MeetingId.eq(m.id))
            .all(db)
            .await?
            .into_iter()
            .filter(|s| Some(s.id) != except)
            .collect();
        if sites.iter().any(|s| s.project_id == p.id) {
            return Err(MeetingError::SiteAlreadyListed { project: p.name.clone() }.into());
        }
        if sites.iter().filter(|s| s.office_id == p.office_id).count() >= MAX_SITES_PER_OFFICE {
            return Err(MeetingError::TooManySites { office: office_name, limit: MAX_SITES_PER_OFFICE }.into());
        }
        if let Some(previous) = self.previous_meeting(db, m).await? {
            let shown_before = meeting_site::Entity::find()
                .filter(meeting_site::Column::MeetingId.eq(previous.id))
                .filter(meeting_site::Column::ProjectId.eq(p.id))
                .filter(meeting_site::Column::Status.eq("confirmed"))
                .one(db)
                .await?
                .is_some();
            if shown_before {
                return Err(MeetingError::ShownAtPreviousMeeting {
                    project: p.name.clone(),
                    previous: previous.name,
                    held_on: previous.held_on.map(|d| format!("，{d}")).unwrap_or_default(),
                }
                .into());
            }
        }
        Ok(())
    }

    /// Puts a project on the route. The project office's site is confirmed at once; an
    /// office proposes its own projects, which wait for the project office.
    pub async fn add_site(&self, actor: &Actor, meeting_id: i64, project_id: i64, visit_time: &str) -> Result<()> {
        let mut txn = self.write_checking(actor).await?;
        let m = self.meeting_row(&txn, meeting_id).await?;
        let p = project::Entity::find_by_id(project_id).one(&txn).await?.ok_or(AppError::NotFound("项目"))?;
        txn.permit(actor.can_manage_pipeline() || actor.can_edit_project(p.office_id), "只能申报本办事处的项目")?;
        let status = if actor.can_manage_pipeline() { SiteStatus::Confirmed } else { SiteStatus::Proposed };
        not_released(&m)?;
        self.check_site_rules(&txn, &m, &p, None).await?;
        let count =
            meeting_site::Entity::find().filter(meeting_site::Column::MeetingId.eq(meeting_id)).all(&txn).await?;
        let saved = meeting_site::ActiveModel {
            meeting_id: Set(meeting_id),
            project_id: Set(project_id),
            office_id: Set(p.office_id),
            seq: Set(count.len() as i32 + 1),
            visit_time: Set(visit_time.trim().chars().take(40).collect()),
            status: Set(status.into()),
            proposed_by: Set(actor.username.clone()),
            concentrated_start: Set(false),
            penalty: Set(Exact::default()),
            penalty_reason: Set(String::new()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.created("meeting_site", saved.id, Some(project_id), &saved);
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }

    pub(super) async fn site_row<C: ConnectionTrait>(
        &self,
        db: &C,
        meeting_id: i64,
        site_id: i64,
    ) -> Result<meeting_site::Model> {
        meeting_site::Entity::find_by_id(site_id)
            .one(db)
            .await?
            .filter(|s| s.meeting_id == meeting_id)
            .ok_or(AppError::NotFound("观摩点"))
    }

    /// The project office confirms an office's proposal (the rules are checked again:
    /// the route may have changed since).
    pub async fn confirm_site(&self, actor: &Actor, meeting_id: i64, site_id: i64) -> Result<()> {
        let permit = Self::require_office(actor)?;
        let mut txn = self.write(permit).await?;
        let m = self.meeting_row(&txn, meeting_id).await?;
        not_released(&m)?;
        let site = self.site_row(&txn, meeting_id, site_id).await?;
        if site.status == SiteStatus::Confirmed {
            return Ok(());
        }
        let p = project::Entity::find_by_id(site.project_id).one(&txn).await?.ok_or(AppError::NotFound("项目"))?;
        self.check_site_rules(&txn, &m, &p, Some(site.id)).await?;
        let before = json(&site);
        let mut am = site.into_active_model();
        am.status = Set(SiteStatus::Confirmed.into());
        let after = am.update(&txn).await?;
        txn.record(Change {
            action: "confirm",
            entity: "meeting_site",
            entity_id: Some(site_id),
            project_id: Some(after.project_id),
            before,
            after: json(&after),
        });
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }

    /// Takes a site off the route (the project office), or withdraws a proposal (the
    /// office that made it). A site that judges have scored stays: its scores are
    /// part of the record.
    pub async fn remove_site(&self, actor: &Actor, meeting_id: i64, site_id: i64) -> Result<()> {
        let mut txn = self.write_checking(actor).await?;
        not_released(&self.meeting_row(&txn, meeting_id).await?)?;
        let site = self.site_row(&txn, meeting_id, site_id).await?;
        let allowed = actor.can_manage_pipeline()
            || (site.status == SiteStatus::Proposed && actor.can_edit_project(site.office_id));
        txn.permit(allowed, "只有项目办可以调整观摩路线")?;
        let scored =
            meeting_score::Entity::find().filter(meeting_score::Column::SiteId.eq(site_id)).one(&txn).await?.is_some();
        if scored {
            return Err(MeetingError::SiteScored.into());
        }
        meeting_remark::Entity::delete_many().filter(meeting_remark::Column::SiteId.eq(site_id)).exec(&txn).await?;
        meeting_site::Entity::delete_by_id(site_id).exec(&txn).await?;
        txn.deleted("meeting_site", site_id, Some(site.project_id), &site);
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }

    /// Orders the route and sets arrival times. The order must be 1..n over the
    /// confirmed sites, each once.
    pub async fn set_route(&self, actor: &Actor, meeting_id: i64, lines: &[RouteLine]) -> Result<()> {
        let permit = Self::require_office(actor)?;
        let mut txn = self.write(permit).await?;
        not_released(&self.meeting_row(&txn, meeting_id).await?)?;
        let sites: Vec<meeting_site::Model> = meeting_site::Entity::find()
            .filter(meeting_site::Column::MeetingId.eq(meeting_id))
            .filter(meeting_site::Column::Status.eq("confirmed"))
            .all(&txn)
            .await?;
        let mut problems = Vec::new();
        if lines.len() != sites.len() || lines.iter().any(|l| !sites.iter().any(|s| s.id == l.site_id)) {
            problems.push(FieldError::new("路线", "须包括本次全部已确认的观摩点"));
        }
        let mut seqs: Vec<i32> = lines.iter().map(|l| l.seq).collect();
        seqs.sort_unstable();
        if seqs != (1..=lines.len() as i32).collect::<Vec<_>>() {
            problems.push(FieldError::new("顺序", format!("须为1到{}，每个序号用一次", lines.len())));
        }
        for l in lines.iter().filter(|l| l.visit_time.chars().count() > 40) {
            problems.push(FieldError::new("到达时间", format!("第{}站的时间不能超过40个字", l.seq)));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let before = json(&sites);
        for s in sites {
            let Some(l) = lines.iter().find(|l| l.site_id == s.id) else { continue };
            if s.seq == l.seq && s.visit_time == l.visit_time.trim() {
                continue;
            }
            let mut am = s.into_active_model();
            am.seq = Set(l.seq);
            am.visit_time = Set(l.visit_time.trim().to_string());
            am.update(&txn).await?;
        }
        let after: Vec<meeting_site::Model> =
            meeting_site::Entity::find().filter(meeting_site::Column::MeetingId.eq(meeting_id)).all(&txn).await?;
        txn.updated("meeting_route", meeting_id, None, before, &after);
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }

    /// The points formula's inputs that the ledger does not hold: whether the site
    /// was shown at a concentrated start event, and a penalty for criticism (5 to 20
    /// points, with its reason; 0 for none).
    pub async fn set_site_formula(
        &self,
        actor: &Actor,
        meeting_id: i64,
        site_id: i64,
        concentrated_start: bool,
        penalty: &str,
        penalty_reason: &str,
    ) -> Result<()> {
        let permit = Self::require_office(actor)?;
        let points = match Decimal::from_str(penalty.trim()) {
            Ok(p) if p.is_zero() || (Decimal::from(5)..=Decimal::from(20)).contains(&p) => p,
            _ => {
                return Err(AppError::invalid("扣分", format!("“{}”不对：通报批评扣5到20分，不扣填0", penalty.trim())));
            }
        };
        let reason = penalty_reason.trim();
        if !points.is_zero() && reason.is_empty() {
            return Err(AppError::invalid("扣分原因", "扣分必须写明原因"));
        }
        if reason.chars().count() > 200 {
            return Err(AppError::invalid("扣分原因", "不超过200个字"));
        }
        crate::text::plain_text("扣分原因", reason, false)?;
        let mut txn = self.write(permit).await?;
        let site = self.site_row(&txn, meeting_id, site_id).await?;
        let before = json(&site);
        let mut am = site.into_active_model();
        am.concentrated_start = Set(concentrated_start);
        am.penalty = Set(points.into());
        am.penalty_reason = Set(if points.is_zero() { String::new() } else { reason.chars().take(200).collect() });
        let after = am.update(&txn).await?;
        txn.updated("meeting_site", site_id, Some(after.project_id), before, &after);
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }

    /// A bonus (positive) or penalty (negative) for an office, with its reason; it is
    /// added to the office's score whatever the method, and shown beside it.
    pub async fn add_adjustment(
        &self,
        actor: &Actor,
        meeting_id: i64,
        office_id: i64,
        points: &str,
        reason: &str,
    ) -> Result<()> {
        let permit = Self::require_office(actor)?;
        let mut problems = Vec::new();
        let value = match Decimal::from_str(points.trim()) {
            Ok(v) if !v.is_zero() && v.abs() <= Decimal::from(50) => v,
            _ => {
                problems.push(FieldError::new("分值", format!("“{}”不对：须为-50到50之间、不为0的数", points.trim())));
                Decimal::ZERO
            }
        };
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            problems.push(FieldError::new("原因", "加减分必须写明原因（不超过200字）"));
        } else if !fengkou_domain::project::control_free(reason, false) {
            problems.push(FieldError::new("原因", "不能含控制字符"));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let mut txn = self.write(permit).await?;
        self.meeting_row(&txn, meeting_id).await?;
        let taking_part = meeting_office::Entity::find()
            .filter(meeting_office::Column::MeetingId.eq(meeting_id))
            .filter(meeting_office::Column::OfficeId.eq(office_id))
            .one(&txn)
            .await?
            .is_some();
        if !taking_part {
            return Err(AppError::invalid("办事处", "请选择参加本次观摩的办事处"));
        }
        let saved = meeting_adjustment::ActiveModel {
            meeting_id: Set(meeting_id),
            office_id: Set(office_id),
            points: Set(value.into()),
            reason: Set(reason.to_string()),
            created_by: Set(actor.username.clone()),
            created_at: Set(txn.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.created("meeting_adjustment", saved.id, None, &saved);
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }

    pub async fn remove_adjustment(&self, actor: &Actor, meeting_id: i64, adjustment_id: i64) -> Result<()> {
        let permit = Self::require_office(actor)?;
        let mut txn = self.write(permit).await?;
        let a = meeting_adjustment::Entity::find_by_id(adjustment_id)
            .one(&txn)
            .await?
            .filter(|a| a.meeting_id == meeting_id)
            .ok_or(AppError::NotFound("加减分项"))?;
        meeting_adjustment::Entity::delete_by_id(a.id).exec(&txn).await?;
        txn.deleted("meeting_adjustment", a.id, None, &a);
        txn.commit().await?;
        self.meeting_changed();
        Ok(())
    }

    /// A photo of a site on this meeting's route, for those who may see that site:
    /// the meeting's judges (from any office), the project office, the leaders and the
    /// site's own office.
    pub async fn meeting_photo(
        &self,
        actor: &Actor,
        meeting_id: i64,
        photo_id: i64,
    ) -> Result<fengkou_storage::entity::photo::Model> {
        use fengkou_storage::entity::photo;
        let ph = photo::Entity::find_by_id(photo_id).one(&self.db).await?.ok_or(AppError::NotFound("照片"))?;
        let site = meeting_site::Entity::find()
            .filter(meeting_site::Column::MeetingId.eq(meeting_id))
            .filter(meeting_site::Column::ProjectId.eq(ph.project_id))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("照片"))?;
        let is_judge = meeting_judge::Entity::find()
            .filter(meeting_judge::Column::MeetingId.eq(meeting_id))
            .filter(meeting_judge::Column::UserId.eq(actor.user_id))
            .one(&self.db)
            .await?
            .is_some();
        let own_office = actor.role == fengkou_domain::Role::OfficeUser && actor.office_id == Some(site.office_id);
        if is_judge || own_office || actor.can_see_meeting_results(false) {
            Ok(ph)
        } else {
            Err(AppError::forbidden("只有本次观摩的评委、项目办、区领导和该观摩点所在办事处可以查看照片"))
        }
    }
}
