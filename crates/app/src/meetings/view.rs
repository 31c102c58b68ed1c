//! Reading a meeting: the list, the plan as one view (method, offices, route with each
//! site's facts and points-formula breakdown, proposals, judges, adjustments, the plan's
//! soft rules) and the leaders' comments.

use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    pub id: i64,
    pub seq: i32,
    pub visit_time: String,
    pub project_id: i64,
    pub project: String,
    pub office_id: i64,
    pub office: String,
    pub industry: String,
    pub industrial: bool,
    pub stage_label: &'static str,
    pub total_investment: Wan,
    pub annual_plan: Wan,
    pub completed: Wan,
    pub latest_progress: String,
    pub latest_problems: String,
    /// Photos attached to the latest report (ids), for the judge on site.
    pub photo_ids: Vec<i64>,
    /// proposed | confirmed
    pub status: SiteStatus,
    pub proposed_by: String,
    pub concentrated_start: bool,
    pub penalty: String,
    pub penalty_reason: String,
    /// The points formula item by item, and its total.
    pub formula_items: Vec<(String, String)>,
    pub formula_total: String,
    /// The formula's points, for computing (`formula_total` is how they are shown).
    #[serde(skip)]
    pub formula_points: Decimal,
}

#[derive(Debug, Clone, Serialize)]
pub struct JudgeView {
    pub id: i64,
    pub username: String,
    /// As the hall's board and the bulletin name the judge.
    pub display_name: String,
    pub own_office: Option<String>,
    /// A further office the judge declared a conflict with.
    pub declared_office: Option<String>,
    pub submitted: bool,
    pub scored: usize,
    pub ranked: usize,
    pub reopened_reason: String,
}

/// An office and whether (and in which group) it takes part.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeOffice {
    pub id: i64,
    pub name: String,
    pub taking_part: bool,
    pub group: String,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct AdjustmentView {
    pub id: i64,
    pub office: String,
    pub points: String,
    pub reason: String,
    pub by: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MeetingView {
    pub id: i64,
    pub name: String,
    pub held_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub method: String,
    /// The method as a value (`method` is its code, for pages and the API).
    #[serde(skip)]
    pub method_value: Method,
    pub method_label: &'static str,
    pub aggregate: String,
    pub combination: String,
    pub rank_step: String,
    pub weight_rubric: String,
    pub weight_rank: String,
    pub weight_formula: String,
    /// Whether judges score sites on the rubric, and whether they rank the offices.
    pub needs_rubric: bool,
    pub needs_rank: bool,
    /// Whether the project office enters formula inputs (`Method::uses_formula`).
    pub uses_formula: bool,
    pub excellent_from: String,
    pub good_from: String,
    /// score | share, and the shares (percent) for the latter.
    pub band_mode: String,
    pub excellent_share: String,
    pub good_share: String,
    /// The bulletin's 文号 as printed ("区项指办〔2026〕3号"), its parts.
    pub doc_number: String,
    pub doc_prefix: String,
    pub doc_seq: Option<i32>,
    pub released: bool,
    /// The published version, once released.
    pub released_version: Option<i32>,
    /// Sites' formula inputs and items, penalties and adjustments are hidden from
    /// this reader until release.
    pub redacted: bool,
    pub criteria: Vec<Criterion>,
    pub criterion_ids: Vec<i64>,
    pub offices: Vec<ScopeOffice>,
    pub has_groups: bool,
    /// The route: confirmed sites in visiting order.
    pub sites: Vec<SiteView>,
    /// Sites proposed by offices, waiting for the project office.
    pub proposals: Vec<SiteView>,
    pub judges: Vec<JudgeView>,
    pub adjustments: Vec<AdjustmentView>,
    /// Plan rules that are not met, explained.
    pub plan_warnings: Vec<String>,
}

impl MeetingView {
    pub(super) fn method(&self) -> Method {
        self.method_value
    }

    /// Offices taking part, with their groups.
    pub fn participants(&self) -> impl Iterator<Item = &ScopeOffice> {
        self.offices.iter().filter(|o| o.taking_part)
    }
}

/// A leader's comment, on a site (its project) or on an office.
#[derive(Debug, Clone, Serialize)]
pub struct CommentView {
    /// The project's name for a site comment; empty for an office comment.
    pub project: String,
    pub office: String,
    pub leader: String,
    pub body: String,
}

/// A meeting in the list.
#[derive(Debug, Clone, Serialize)]
pub struct MeetingSummary {
    pub id: i64,
    pub name: String,
    pub held_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub method_label: &'static str,
    pub released: bool,
}

impl Meetings<'_> {
    pub async fn list(&self) -> Result<Vec<MeetingSummary>> {
        Ok(meeting::Entity::find()
            .order_by_desc(meeting::Column::HeldOn)
            .order_by_desc(meeting::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| MeetingSummary {
                id: m.id,
                method_label: m.method.label(),
                name: m.name,
                held_on: m.held_on,
                ends_on: m.ends_on,
                released: m.released,
            })
            .collect())
    }

    pub(super) async fn criteria(&self, meeting_id: i64) -> Result<Vec<meeting_criterion::Model>> {
        Ok(meeting_criterion::Entity::find()
            .filter(meeting_criterion::Column::MeetingId.eq(meeting_id))
            .order_by_asc(meeting_criterion::Column::Seq)
            .all(&self.db)
            .await?)
    }

    /// Every site of the meeting (proposed and confirmed) with its project's facts for
    /// the meeting's year and its points-formula breakdown.
    pub(super) async fn site_views(&self, m: &meeting::Model) -> Result<Vec<SiteView>> {
        use fengkou_storage::entity::{photo, report};
        let sites = meeting_site::Entity::find()
            .filter(meeting_site::Column::MeetingId.eq(m.id))
            .order_by_asc(meeting_site::Column::Seq)
            .order_by_asc(meeting_site::Column::Id)
            .all(&self.db)
            .await?;
        let names = Names::load(&self.db).await?;
        let industrial: Vec<i64> = industry::Entity::find()
            .filter(industry::Column::Category.eq(INDUSTRIAL))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        let categories: HashMap<i64, String> =
            industry::Entity::find().all(&self.db).await?.into_iter().map(|i| (i.id, i.category)).collect();
        let project_ids: Vec<i64> = sites.iter().map(|s| s.project_id).collect();
        let projects: HashMap<i64, project::Model> = project::Entity::find()
            .filter(project::Column::Id.is_in(project_ids.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let year = m.held_on.unwrap_or_else(|| self.today()).year();
        let plans: HashMap<i64, (i64, i64)> = annual_plan::Entity::find()
            .filter(annual_plan::Column::Year.eq(year))
            .filter(annual_plan::Column::ProjectId.is_in(project_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| (a.project_id, (a.amount, a.completed)))
            .collect();
        let mut out = Vec::new();
        for s in sites {
            let Some(p) = projects.get(&s.project_id) else { continue };
            let latest = report::Entity::find()
                .filter(report::Column::ProjectId.eq(p.id))
                .order_by_desc(report::Column::Year)
                .order_by_desc(report::Column::Month)
                .one(&self.db)
                .await?;
            let photo_ids = match &latest {
                Some(r) => photo::Entity::find()
                    .filter(photo::Column::ReportId.eq(r.id))
                    .order_by_asc(photo::Column::Id)
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .map(|ph| ph.id)
                    .take(4)
                    .collect(),
                None => Vec::new(),
            };
            let (plan, done) = plans.get(&p.id).copied().unwrap_or_default();
            let stage = stage_of(p);
            let kind = match categories.get(&p.industry_id).map(String::as_str) {
                Some(INDUSTRIAL) => ProjectKind::Industrial,
                Some(c) if c.contains("民生") => ProjectKind::Social,
                _ => ProjectKind::Functional,
            };
            let facts = FormulaFacts {
                start: StartKind::of(p.actual_start.is_some_and(|d| d.year() == year), stage),
                annual_plan_wan: Decimal::new(plan, 4),
                kind,
                completed_wan: Decimal::new(done, 4),
                in_production: stage >= Stage::Producing,
                at_concentrated_start: s.concentrated_start,
                penalties: *s.penalty,
            };
            let items = formula_items(&facts);
            out.push(SiteView {
                id: s.id,
                seq: s.seq,
                visit_time: s.visit_time,
                project_id: p.id,
                project: p.name.clone(),
                office_id: s.office_id,
                office: names.office(s.office_id),
                industry: names.industry(p.industry_id),
                industrial: industrial.contains(&p.industry_id),
                stage_label: stage.label(),
                total_investment: Wan::from_yuan(p.total_investment),
                annual_plan: Wan::from_yuan(plan),
                completed: Wan::from_yuan(done),
                latest_progress: latest.as_ref().map(|r| r.progress.clone()).unwrap_or_default(),
                latest_problems: latest.as_ref().map(|r| r.problems.clone()).unwrap_or_default(),
                photo_ids,
                status: *s.status,
                proposed_by: s.proposed_by,
                concentrated_start: s.concentrated_start,
                penalty: s.penalty.text(),
                penalty_reason: s.penalty_reason,
                formula_points: round2(items.iter().map(|(_, v)| *v).sum()),
                formula_total: shown(round2(items.iter().map(|(_, v)| *v).sum())),
                formula_items: items.into_iter().map(|(l, v)| (l.to_string(), shown(round2(v)))).collect(),
            });
        }
        Ok(out)
    }

    /// Every office, marked with whether (and in which group) it takes part.
    pub(super) async fn scope_offices(&self, meeting_id: i64) -> Result<Vec<ScopeOffice>> {
        let scope: HashMap<i64, String> = meeting_office::Entity::find()
            .filter(meeting_office::Column::MeetingId.eq(meeting_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|o| (o.office_id, o.group_name))
            .collect();
        Ok(self
            .offices()
            .await?
            .into_iter()
            .map(|o| ScopeOffice {
                taking_part: scope.contains_key(&o.id),
                group: scope.get(&o.id).cloned().unwrap_or_default(),
                id: o.id,
                name: o.name,
            })
            .collect())
    }

    pub(crate) async fn meeting(&self, meeting_id: i64) -> Result<MeetingView> {
        let m = self.meeting_row(&self.db, meeting_id).await?;
        let criteria_rows = self.criteria(meeting_id).await?;
        let (sites, proposals): (Vec<SiteView>, Vec<SiteView>) =
            self.site_views(&m).await?.into_iter().partition(|s| s.status == SiteStatus::Confirmed);
        let offices = self.scope_offices(meeting_id).await?;
        let office_name: HashMap<i64, String> = offices.iter().map(|o| (o.id, o.name.clone())).collect();
        // Counted in the database: a meeting of 200 judges holds thousands of scores.
        let scored: HashMap<i64, i64> = meeting_score::Entity::find()
            .select_only()
            .column(meeting_score::Column::JudgeId)
            .column_as(meeting_score::Column::Id.count(), "n")
            .filter(meeting_score::Column::MeetingId.eq(meeting_id))
            .group_by(meeting_score::Column::JudgeId)
            .into_tuple()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let ranked: HashMap<i64, i64> = meeting_rank::Entity::find()
            .select_only()
            .column(meeting_rank::Column::JudgeId)
            .column_as(meeting_rank::Column::Id.count(), "n")
            .filter(meeting_rank::Column::MeetingId.eq(meeting_id))
            .group_by(meeting_rank::Column::JudgeId)
            .into_tuple()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let display: HashMap<i64, String> =
            user::Entity::find().all(&self.db).await?.into_iter().map(|u| (u.id, u.display_name)).collect();
        let judges = meeting_judge::Entity::find()
            .filter(meeting_judge::Column::MeetingId.eq(meeting_id))
            .order_by_asc(meeting_judge::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|j| JudgeView {
                id: j.id,
                scored: scored.get(&j.id).copied().unwrap_or_default() as usize,
                ranked: ranked.get(&j.id).copied().unwrap_or_default() as usize,
                display_name: display
                    .get(&j.user_id)
                    .filter(|d| !d.trim().is_empty())
                    .cloned()
                    .unwrap_or_else(|| j.username.clone()),
                own_office: j.own_office_id.and_then(|o| office_name.get(&o).cloned()),
                declared_office: j.declared_office_id.and_then(|o| office_name.get(&o).cloned()),
                username: j.username,
                submitted: j.submitted_at.is_some(),
                reopened_reason: j.reopened_reason,
            })
            .collect();
        let adjustments = meeting_adjustment::Entity::find()
            .filter(meeting_adjustment::Column::MeetingId.eq(meeting_id))
            .order_by_asc(meeting_adjustment::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| AdjustmentView {
                id: a.id,
                office: office_name.get(&a.office_id).cloned().unwrap_or_default(),
                points: a.points.text(),
                reason: a.reason,
                by: a.created_by,
            })
            .collect();
        let method = *m.method;
        let (needs_rubric, needs_rank) = method.needs(*m.weight_rubric, *m.weight_rank);
        let mut plan_warnings = plan_warnings(&offices, &sites, &proposals);
        if method != Method::Rubric && *m.band_mode == BandMode::Score && !m.released {
            plan_warnings.push(format!(
                "“{}”的得分不是百分制，按分数线划分等次可能使所有办事处都为优秀，建议改为按名次比例",
                method.label()
            ));
        }
        let released_version = self.latest_release(meeting_id).await?.map(|r| r.version);
        let year = m.held_on.map_or_else(|| self.today().year(), |d| d.year());
        let doc_number = match m.doc_number {
            Some(n) => format!("{}〔{year}〕{n}号", m.doc_prefix),
            None => format!("{}〔{year}〕 号", m.doc_prefix),
        };
        Ok(MeetingView {
            id: m.id,
            name: m.name,
            held_on: m.held_on,
            ends_on: m.ends_on,
            method: method.code().into(),
            method_value: method,
            method_label: method.label(),
            aggregate: m.aggregate.code().to_string(),
            combination: m.combination.code().to_string(),
            rank_step: m.rank_step.text(),
            weight_rubric: m.weight_rubric.text(),
            weight_rank: m.weight_rank.text(),
            weight_formula: m.weight_formula.text(),
            needs_rubric,
            needs_rank,
            uses_formula: method.uses_formula(*m.weight_formula),
            excellent_from: m.excellent_from.text(),
            good_from: m.good_from.text(),
            band_mode: m.band_mode.code().to_string(),
            excellent_share: m.excellent_share.text(),
            good_share: m.good_share.text(),
            doc_number,
            doc_prefix: m.doc_prefix,
            doc_seq: m.doc_number,
            released: m.released,
            released_version,
            redacted: false,
            criterion_ids: criteria_rows.iter().map(|c| c.id).collect(),
            criteria: criteria_rows
                .iter()
                .map(|c| Criterion { name: c.name.clone(), weight: *c.weight, max: *c.max })
                .collect(),
            has_groups: offices.iter().any(|o| o.taking_part && !o.group.is_empty()),
            offices,
            sites,
            proposals,
            judges,
            adjustments,
            plan_warnings,
        })
    }

    /// The meeting as `actor` may read it. Until release, no score, formula item,
    /// penalty or bonus/penalty item is shown to anyone but the project office and the
    /// leaders (the route itself is public, as at the real meeting).
    pub async fn meeting_for(&self, actor: &Actor, meeting_id: i64) -> Result<MeetingView> {
        let mut view = self.meeting(meeting_id).await?;
        // After release the live inputs are a correction in preparation: others read
        // the published result (its formula items and bonus/penalty items are in it).
        if !actor.can_see_meeting_results(false) {
            view.redacted = true;
            for s in view.sites.iter_mut().chain(view.proposals.iter_mut()) {
                s.formula_items.clear();
                s.formula_total = String::new();
                s.penalty = String::new();
                s.penalty_reason = String::new();
                s.concentrated_start = false;
            }
            view.adjustments.clear();
            // How far each judge has got is for the hall's board; counts of scores are
            // not scores.
        }
        Ok(view)
    }

    /// Leaders' comments (点评): on the route's projects since the meeting was set up,
    /// and on the offices at this meeting; newest first.
    pub async fn meeting_comments(&self, meeting_id: i64) -> Result<Vec<CommentView>> {
        use fengkou_storage::entity::comment;
        let m = self.meeting_row(&self.db, meeting_id).await?;
        let sites = self.site_views(&m).await?;
        let on_sites = comment::Entity::find()
            .filter(comment::Column::ProjectId.is_in(sites.iter().map(|s| s.project_id)))
            .filter(comment::Column::CreatedAt.gte(m.created_at))
            .all(&self.db)
            .await?;
        let on_offices = meeting_comment::Entity::find()
            .filter(meeting_comment::Column::MeetingId.eq(meeting_id))
            .all(&self.db)
            .await?;
        let names = Names::load(&self.db).await?;
        // Comments are signed with the leader's display name where there is one.
        let signed: HashMap<String, String> = user::Entity::find()
            .filter(user::Column::DisplayName.ne(""))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.username, u.display_name))
            .collect();
        let signature = |username: String| signed.get(&username).cloned().unwrap_or(username);
        let mut all: Vec<(chrono::DateTime<Utc>, CommentView)> = on_sites
            .into_iter()
            .filter_map(|c| {
                let site = sites.iter().find(|s| s.project_id == c.project_id)?;
                let view = CommentView {
                    project: site.project.clone(),
                    office: site.office.clone(),
                    leader: signature(c.username),
                    body: c.body,
                };
                Some((c.created_at, view))
            })
            .chain(on_offices.into_iter().map(|c| {
                let view = CommentView {
                    project: String::new(),
                    office: names.office(c.office_id),
                    leader: signature(c.username),
                    body: c.body,
                };
                (c.created_at, view)
            }))
            .collect();
        all.sort_by_key(|c| std::cmp::Reverse(c.0));
        Ok(all.into_iter().map(|(_, c)| c).collect())
    }
}

/// The plan's soft rules, explained: each participating office shows at least one
/// industrial project; offices taking part without any site; proposals waiting.
fn plan_warnings(offices: &[ScopeOffice], sites: &[SiteView], proposals: &[SiteView]) -> Vec<String> {
    let mut warnings = Vec::new();
    for o in offices.iter().filter(|o| o.taking_part) {
        let own: Vec<&SiteView> = sites.iter().filter(|s| s.office_id == o.id).collect();
        if own.is_empty() {
            warnings.push(format!("{}尚无确认的观摩点", o.name));
        } else if !own.iter().any(|s| s.industrial) {
            warnings.push(format!("{}没有安排产业项目（每个办事处至少应有一个产业项目）", o.name));
        }
    }
    if !proposals.is_empty() {
        warnings.push(format!("有{}个办事处申报的观摩点待项目办确认", proposals.len()));
    }
    warnings
}

/// A judge as the hall's board shows them.
#[derive(Debug, Clone, Serialize)]
pub struct BoardJudge {
    pub name: String,
    pub submitted: bool,
    /// Sites scored and offices ranked so far.
    pub scored: usize,
}

/// What the hall's screen shows. Before release only the judges' progress and the
/// leaders' comments; once released the published ranking, never a figure in
/// progress (a sheet reopened for a correction changes nothing here).
#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub comments: Vec<CommentView>,
    pub judges: Vec<BoardJudge>,
    /// "N/M 名评委已提交".
    pub progress: String,
    pub needs_judges: bool,
    pub released: bool,
    pub version: Option<i32>,
    pub grouped: bool,
    pub ranking: Option<Vec<OfficeResult>>,
    pub top: Option<Vec<SiteResult>>,
    pub improved: Option<Vec<(String, i64)>>,
}

impl Meetings<'_> {
    /// The hall board of a meeting, the same for every signed-in reader (it is computed
    /// once and shared by every open screen): see [`Board`].
    pub async fn hall_board(&self, meeting_id: i64) -> Result<Board> {
        let m = self.meeting(meeting_id).await?;
        let mut comments = self.meeting_comments(meeting_id).await?;
        comments.truncate(6);
        let published = self.published_results(meeting_id).await?;
        // Once released the board says what was published, not a sheet reopened since.
        let (submitted, judges) = match &published {
            Some(r) => (r.submitted, r.judges),
            None => (m.judges.iter().filter(|j| j.submitted).count(), m.judges.len()),
        };
        Ok(Board {
            comments,
            judges: m
                .judges
                .iter()
                .map(|j| BoardJudge {
                    name: j.display_name.clone(),
                    submitted: j.submitted,
                    scored: j.scored + j.ranked,
                })
                .collect(),
            progress: format!("{submitted}/{judges} 名评委已提交"),
            needs_judges: m.needs_rubric || m.needs_rank,
            released: published.is_some(),
            version: published.as_ref().and_then(|r| r.published.as_ref().map(|p| p.version)),
            grouped: m.has_groups,
            ranking: published.as_ref().map(|r| r.offices.clone()),
            top: published.as_ref().map(|r| r.top_sites.clone()),
            improved: published.map(|r| r.most_improved),
        })
    }
}
