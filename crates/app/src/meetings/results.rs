//! Results by the meeting's method, the history of rankings across meetings, and the
//! bulletin and workbook composed from them.
//!
//! Only submitted sheets count. Each office's score shows its parts (judges' rubric,
//! rank ballots, points formula) and its bonus/penalty items, so a published number
//! can be traced back; the workbook carries every ballot.

use super::*;
use fengkou_domain::observation::{RankLine, VoidBallot, bands, composite, most_improved, rank_ballots};
use fengkou_storage::entity::meeting_release;
use serde::Deserialize;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteResult {
    pub site_id: i64,
    pub project: String,
    pub office: String,
    pub score: String,
    pub judges: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfficeResult {
    /// The group the office is ranked in (empty: no groups).
    pub group: String,
    pub office: String,
    pub score: String,
    pub rank: u32,
    pub band: String,
    /// The parts the score is made of, as published (two decimals).
    pub rubric: Option<String>,
    pub ranked: Option<String>,
    pub formula: Option<String>,
    /// The sum of bonus/penalty items, when there are any.
    pub adjustment: Option<String>,
    /// Places gained (+) or lost (−) since the previous released meeting.
    pub change: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    pub method_label: String,
    pub offices: Vec<OfficeResult>,
    pub top_sites: Vec<SiteResult>,
    /// Which number ranks the sites: the judges' scores or the points formula.
    pub site_basis: String,
    pub void_ballots: Vec<VoidBallot>,
    pub submitted: usize,
    pub judges: usize,
    /// The previous released meeting the "most improved" list compares with.
    pub previous: Option<String>,
    /// 争先进位: offices that gained places, most first.
    pub most_improved: Vec<(String, i64)>,
    /// How the bands were drawn, in words.
    pub banding: String,
    /// Each site's points formula item by item, as the ledger stood when computed
    /// (published with the result, so that later reports do not change it).
    pub formula_sites: Vec<SiteFormula>,
    /// The bonus/penalty items with their reasons.
    pub adjustments: Vec<AdjustmentView>,
    /// Set when these are the published results: which version, when, by whom, and
    /// why (an early release's reason, or a correction's).
    pub published: Option<Publication>,
}

/// A site's points formula, item by item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteFormula {
    pub site_id: i64,
    pub project: String,
    pub office: String,
    pub items: Vec<(String, String)>,
    pub total: String,
    pub penalty_reason: String,
}

/// A published version of a meeting's results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Publication {
    pub version: i32,
    pub released_at: chrono::DateTime<Utc>,
    pub released_by: String,
    pub reason: String,
    /// Every version so far, oldest first: (version, when, reason).
    pub versions: Vec<(i32, chrono::DateTime<Utc>, String)>,
}

/// Rankings of every released meeting, oldest first, for a chart of rank over time.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub meetings: Vec<(i64, String, Option<NaiveDate>)>,
    /// Per office, its rank at each meeting (None: it did not take part).
    pub offices: Vec<(String, Vec<Option<u32>>)>,
}

/// Every ballot as entered, named by judge.
#[derive(Debug, Clone, Serialize)]
pub struct Ballots {
    pub scores: Vec<BallotScore>,
    pub ranks: Vec<BallotRank>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BallotScore {
    pub judge: String,
    pub submitted: bool,
    pub site_id: i64,
    pub criterion_id: i64,
    pub score: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BallotRank {
    pub judge: String,
    pub submitted: bool,
    pub office_id: i64,
    pub rank: i32,
}

/// An office's score before rounding, part by part.
#[derive(Debug, Clone, Copy, Default)]
struct Parts {
    rubric: Option<Decimal>,
    ranked: Option<Decimal>,
    formula: Option<Decimal>,
    adjustment: Option<Decimal>,
}

fn published(d: Decimal) -> String {
    format!("{:.2}", round2(d))
}

impl Meetings<'_> {
    /// The ranking of one meeting by its method, without the comparison with the
    /// previous meeting.
    async fn compute_results(&self, view: &MeetingView) -> Result<Results> {
        let m = self.meeting_row(&self.db, view.id).await?;
        let method = view.method();
        let (w_rubric, w_rank, w_formula) = (*m.weight_rubric, *m.weight_rank, *m.weight_formula);
        let judges =
            meeting_judge::Entity::find().filter(meeting_judge::Column::MeetingId.eq(view.id)).all(&self.db).await?;
        let submitted: Vec<&meeting_judge::Model> = judges.iter().filter(|j| j.submitted_at.is_some()).collect();
        let combination = *m.combination;

        // Judges' rubric totals per site.
        let mut site_rubric: HashMap<i64, (Decimal, usize)> = HashMap::new();
        if view.needs_rubric {
            let scores = meeting_score::Entity::find()
                .filter(meeting_score::Column::MeetingId.eq(view.id))
                .all(&self.db)
                .await?;
            let declined = self.declines(view.id).await?;
            let mut lines = Vec::new();
            for j in &submitted {
                // A judge who declined a site does not score it: the site's score is
                // the other judges'.
                for site in view.sites.iter().filter(|s| !declined.contains_key(&(j.id, s.id))) {
                    let entered: Vec<(String, Decimal)> = view
                        .criterion_ids
                        .iter()
                        .zip(&view.criteria)
                        .filter_map(|(cid, c)| {
                            scores
                                .iter()
                                .find(|s| s.judge_id == j.id && s.site_id == site.id && s.criterion_id == *cid)
                                .map(|s| (c.name.clone(), *s.score))
                        })
                        .collect();
                    if let Ok(total) = rubric_total(&view.criteria, &entered) {
                        lines.push(ScoreLine { judge: j.username.clone(), unit: site.id.to_string(), score: total });
                    }
                }
            }
            let how = *m.aggregate;
            for u in aggregate_scores(&lines, how) {
                if let Ok(id) = u.unit.parse() {
                    site_rubric.insert(id, (u.score, u.votes));
                }
            }
        }
        let site_formula: HashMap<i64, Decimal> = view.sites.iter().map(|s| (s.id, s.formula_points)).collect();

        // Rank ballots per office.
        let mut office_ranked: HashMap<String, (Decimal, usize)> = HashMap::new();
        let mut void_ballots = Vec::new();
        if view.needs_rank {
            let ranks =
                meeting_rank::Entity::find().filter(meeting_rank::Column::MeetingId.eq(view.id)).all(&self.db).await?;
            let lines: Vec<RankLine> = ranks
                .iter()
                .filter_map(|r| {
                    let j = submitted.iter().find(|j| j.id == r.judge_id)?;
                    let o = view.participants().find(|o| o.id == r.office_id)?;
                    Some(RankLine {
                        judge: j.username.clone(),
                        group: Some(o.group.clone()).filter(|g| !g.is_empty()),
                        unit: o.name.clone(),
                        rank: u32::try_from(r.rank).unwrap_or(0),
                    })
                })
                .collect();
            let (scores, void) = rank_ballots(&lines, *m.rank_step);
            office_ranked = scores.into_iter().map(|u| (u.unit, (u.score, u.votes))).collect();
            void_ballots = void;
        }

        let adjustments = meeting_adjustment::Entity::find()
            .filter(meeting_adjustment::Column::MeetingId.eq(view.id))
            .all(&self.db)
            .await?;
        let banding = banding_of(&m);
        let uses_formula =
            matches!(method, Method::Formula) || (method == Method::Composite && w_formula > Decimal::ZERO);
        let mut unit_scores: Vec<(String, UnitScore)> = Vec::new();
        let mut parts_of: HashMap<String, Parts> = HashMap::new();
        for o in view.participants() {
            let sites: Vec<&SiteView> = view.sites.iter().filter(|s| s.office_id == o.id).collect();
            let rubric_scores: Vec<Decimal> =
                sites.iter().filter_map(|s| site_rubric.get(&s.id).map(|v| v.0)).collect();
            let rubric = (!rubric_scores.is_empty()).then(|| unit_from_sites(&rubric_scores, combination));
            let formula_scores: Vec<Decimal> = sites.iter().filter_map(|s| site_formula.get(&s.id).copied()).collect();
            let formula =
                (uses_formula && !formula_scores.is_empty()).then(|| unit_from_sites(&formula_scores, combination));
            let ranked = office_ranked.get(&o.name).map(|v| v.0);
            let base = match method {
                Method::Rubric => rubric,
                Method::RankBallot => ranked,
                Method::Formula => formula,
                Method::Composite => {
                    let wanted = [(rubric, w_rubric), (ranked, w_rank), (formula, w_formula)];
                    let all_there = wanted.iter().all(|(part, w)| w.is_zero() || part.is_some());
                    all_there.then(|| {
                        let parts: Vec<(Decimal, Decimal)> = wanted
                            .iter()
                            .filter(|(_, w)| !w.is_zero())
                            .filter_map(|(p, w)| p.map(|p| (p, *w)))
                            .collect();
                        composite(&parts, &[])
                    })
                }
            };
            let Some(base) = base else { continue };
            let own: Vec<Decimal> = adjustments.iter().filter(|a| a.office_id == o.id).map(|a| *a.points).collect();
            let adjustment = (!own.is_empty()).then(|| own.iter().copied().sum::<Decimal>());
            let votes = match method {
                Method::RankBallot => office_ranked.get(&o.name).map_or(0, |v| v.1),
                _ => sites.len(),
            };
            unit_scores.push((
                o.group.clone(),
                UnitScore { unit: o.name.clone(), score: base + adjustment.unwrap_or_default(), votes },
            ));
            parts_of.insert(o.name.clone(), Parts { rubric, ranked, formula, adjustment });
        }
        let ranked_by_group = ranking_by_group(&unit_scores);
        // Bands are drawn within each group's ranking.
        let mut banded: Vec<&'static str> = Vec::with_capacity(ranked_by_group.len());
        let mut start = 0;
        while start < ranked_by_group.len() {
            let group = &ranked_by_group[start].0;
            let end = ranked_by_group[start..]
                .iter()
                .position(|(g, _)| g != group)
                .map_or(ranked_by_group.len(), |n| start + n);
            let places: Vec<Ranked> = ranked_by_group[start..end].iter().map(|(_, r)| r.clone()).collect();
            banded.extend(bands(&places, banding));
            start = end;
        }
        let offices = ranked_by_group
            .into_iter()
            .zip(banded)
            .map(|((group, r), band): ((String, Ranked), &'static str)| {
                let Parts { rubric, ranked, formula, adjustment } = parts_of.get(&r.unit).copied().unwrap_or_default();
                OfficeResult {
                    group,
                    band: band.to_string(),
                    rubric: rubric.map(published),
                    ranked: ranked.map(published),
                    formula: formula.map(published),
                    adjustment: adjustment.map(shown),
                    office: r.unit,
                    score: r.score,
                    rank: r.rank,
                    change: None,
                }
            })
            .collect();

        // Sites: by the judges' scores where judges score sites, by the formula
        // otherwise (rank ballots rank offices, not sites).
        let (site_parts, site_basis): (Vec<(bool, Decimal)>, &'static str) = match method {
            Method::Rubric => (vec![(true, Decimal::ONE)], "评委评分"),
            Method::Formula | Method::RankBallot => (vec![(false, Decimal::ONE)], "台账积分"),
            Method::Composite if w_rubric.is_zero() => (vec![(false, Decimal::ONE)], "台账积分"),
            Method::Composite if w_formula.is_zero() => (vec![(true, Decimal::ONE)], "评委评分"),
            Method::Composite => (vec![(true, w_rubric), (false, w_formula)], "评委评分与台账积分加权"),
        };
        let mut top_sites: Vec<(Decimal, SiteResult)> = view
            .sites
            .iter()
            .filter_map(|s| {
                let mut parts = Vec::new();
                for (judged, w) in &site_parts {
                    let value = if *judged { site_rubric.get(&s.id)?.0 } else { *site_formula.get(&s.id)? };
                    parts.push((value, *w));
                }
                let score = composite(&parts, &[]);
                Some((
                    score,
                    SiteResult {
                        site_id: s.id,
                        project: s.project.clone(),
                        office: s.office.clone(),
                        score: published(score),
                        judges: site_rubric.get(&s.id).map_or(0, |v| v.1),
                    },
                ))
            })
            .collect();
        top_sites.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.project.cmp(&b.1.project)));
        Ok(Results {
            method_label: method.label().to_string(),
            offices,
            top_sites: top_sites.into_iter().take(10).map(|(_, s)| s).collect(),
            site_basis: site_basis.to_string(),
            void_ballots,
            submitted: submitted.len(),
            judges: judges.len(),
            previous: None,
            most_improved: Vec::new(),
            banding: banding.describe(),
            formula_sites: if uses_formula {
                view.sites
                    .iter()
                    .map(|s| SiteFormula {
                        site_id: s.id,
                        project: s.project.clone(),
                        office: s.office.clone(),
                        items: s.formula_items.clone(),
                        total: s.formula_total.clone(),
                        penalty_reason: s.penalty_reason.clone(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            adjustments: view.adjustments.clone(),
            published: None,
        })
    }

    /// Results computed now from the submitted sheets by the meeting's method, ranked
    /// (within groups) and banded, with places gained since the previous released
    /// meeting's published ranking. Before release this is the ranking in progress; after
    /// it, a correction in preparation (the published one never changes).
    pub(crate) async fn live_results(&self, meeting_id: i64) -> Result<Results> {
        let view = self.meeting(meeting_id).await?;
        let mut results = self.compute_results(&view).await?;
        let m = self.meeting_row(&self.db, meeting_id).await?;
        let earlier = meeting::Entity::find()
            .filter(meeting::Column::Released.eq(true))
            .filter(meeting::Column::Id.ne(meeting_id))
            .order_by_desc(meeting::Column::HeldOn)
            .order_by_desc(meeting::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .find(|e| (e.held_on, e.id) < (m.held_on, m.id));
        if let Some(previous) = earlier
            && let Some(before) = self.published_results(previous.id).await?
        {
            let as_ranked = |r: &Results| -> Vec<Ranked> {
                r.offices
                    .iter()
                    .map(|o| Ranked { unit: o.office.clone(), score: o.score.clone(), rank: o.rank })
                    .collect()
            };
            let gains = most_improved(&as_ranked(&before), &as_ranked(&results));
            for o in &mut results.offices {
                o.change = gains.iter().find(|(unit, _)| *unit == o.office).map(|(_, g)| *g);
            }
            results.most_improved = gains.into_iter().filter(|(_, g)| *g > 0).collect();
            results.previous = Some(previous.name);
        }
        Ok(results)
    }

    /// The results as published: the latest version frozen at release (later reports,
    /// edits and settings change nothing in it). None before release.
    pub(crate) async fn published_results(&self, meeting_id: i64) -> Result<Option<Results>> {
        let versions = meeting_release::Entity::find()
            .filter(meeting_release::Column::MeetingId.eq(meeting_id))
            .order_by_asc(meeting_release::Column::Version)
            .all(&self.db)
            .await?;
        let Some(latest) = versions.last() else { return Ok(None) };
        let mut results: Results = serde_json::from_str(&latest.snapshot).map_err(|e| {
            MeetingError::PublishedUnreadable { meeting: meeting_id, version: latest.version, reason: e.to_string() }
        })?;
        results.published = Some(Publication {
            version: latest.version,
            released_at: latest.released_at,
            released_by: latest.released_by.clone(),
            reason: latest.reason.clone(),
            versions: versions.iter().map(|v| (v.version, v.released_at, v.reason.clone())).collect(),
        });
        Ok(Some(results))
    }

    /// The results the actor may see: the published ones once released; before that
    /// the ranking in progress, for the project office and the leaders only.
    pub async fn meeting_results(&self, actor: &Actor, meeting_id: i64) -> Result<Results> {
        if let Some(published) = self.published_results(meeting_id).await? {
            return Ok(published);
        }
        self.meeting_row(&self.db, meeting_id).await?;
        if !actor.can_see_meeting_results(false) {
            return Err(AppError::forbidden("评比结果尚未发布"));
        }
        self.live_results(meeting_id).await
    }

    /// The results `actor` may see now, or None: once released, the published ones for
    /// everyone who may read the meeting; before, the live ranking for the project
    /// office and the leaders only (`Actor::can_see_meeting_results`). Pages and the
    /// API ask this instead of deciding themselves.
    pub async fn visible_results(&self, actor: &Actor, meeting_id: i64) -> Result<Option<Results>> {
        if let Some(published) = self.published_results(meeting_id).await? {
            return Ok(Some(published));
        }
        self.meeting_row(&self.db, meeting_id).await?;
        if !actor.can_see_meeting_results(false) {
            return Ok(None);
        }
        Ok(Some(self.live_results(meeting_id).await?))
    }

    /// After release, the ranking a correction would publish, when it differs from the
    /// published one (offices, their scores, ranks and bands): for the project office,
    /// which alone can publish a correction. None before release, for anyone else,
    /// and when nothing changed.
    pub async fn pending_correction(&self, actor: &Actor, meeting_id: i64) -> Result<Option<Results>> {
        if !actor.can_manage_pipeline() {
            return Ok(None);
        }
        let Some(published) = self.published_results(meeting_id).await? else { return Ok(None) };
        let draft = self.live_results(meeting_id).await?;
        let same = serde_json::to_value(&published.offices).ok() == serde_json::to_value(&draft.offices).ok();
        Ok((!same).then_some(draft))
    }

    /// The ranking computed now, beside the published one: before release the only
    /// one; after it, what a correction would publish. For the project office and
    /// the leaders.
    pub async fn draft_results(&self, actor: &Actor, meeting_id: i64) -> Result<Results> {
        if !actor.can_see_meeting_results(false) {
            return Err(AppError::forbidden("只有项目办和区领导可以查看未发布的评比计算"));
        }
        self.live_results(meeting_id).await
    }

    /// Every ballot of a meeting as entered, for recomputation: for the project office
    /// and the leaders all of them; for everyone else once released, the submitted
    /// sheets only (a sheet reopened for a correction is not theirs to see).
    pub async fn meeting_ballots(&self, actor: &Actor, meeting_id: i64) -> Result<Ballots> {
        let m = self.meeting_row(&self.db, meeting_id).await?;
        if !actor.can_see_meeting_results(m.released) {
            return Err(AppError::forbidden("评比结果尚未发布"));
        }
        let submitted_only = !actor.can_see_meeting_results(false);
        let judges: HashMap<i64, meeting_judge::Model> = meeting_judge::Entity::find()
            .filter(meeting_judge::Column::MeetingId.eq(meeting_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|j| (j.id, j))
            .collect();
        let who = |id: i64| judges.get(&id).map(|j| (j.username.clone(), j.submitted_at.is_some())).unwrap_or_default();
        let scores = meeting_score::Entity::find()
            .filter(meeting_score::Column::MeetingId.eq(meeting_id))
            .order_by_asc(meeting_score::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| {
                let (judge, submitted) = who(s.judge_id);
                BallotScore {
                    judge,
                    submitted,
                    site_id: s.site_id,
                    criterion_id: s.criterion_id,
                    score: s.score.text(),
                }
            })
            .filter(|b: &BallotScore| b.submitted || !submitted_only)
            .collect();
        let ranks = meeting_rank::Entity::find()
            .filter(meeting_rank::Column::MeetingId.eq(meeting_id))
            .order_by_asc(meeting_rank::Column::JudgeId)
            .order_by_asc(meeting_rank::Column::Rank)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| {
                let (judge, submitted) = who(r.judge_id);
                BallotRank { judge, submitted, office_id: r.office_id, rank: r.rank }
            })
            .filter(|b: &BallotRank| b.submitted || !submitted_only)
            .collect();
        Ok(Ballots { scores, ranks })
    }

    /// Every released meeting's published ranking, oldest first, per office.
    pub async fn meeting_history(&self) -> Result<History> {
        let released = meeting::Entity::find()
            .filter(meeting::Column::Released.eq(true))
            .order_by_asc(meeting::Column::HeldOn)
            .order_by_asc(meeting::Column::Id)
            .all(&self.db)
            .await?;
        let mut meetings = Vec::new();
        let mut rankings = Vec::new();
        for m in released {
            let Some(r) = self.published_results(m.id).await? else { continue };
            meetings.push((m.id, m.name, m.held_on));
            rankings.push(r.offices);
        }
        let offices = self
            .offices()
            .await?
            .into_iter()
            .map(|o| {
                let ranks: Vec<Option<u32>> =
                    rankings.iter().map(|r| r.iter().find(|x| x.office == o.name).map(|x| x.rank)).collect();
                (o.name, ranks)
            })
            .filter(|(_, ranks)| ranks.iter().any(Option::is_some))
            .collect();
        Ok(History { meetings, offices })
    }

    /// The bulletin (通报) as the actor may have it: once released, the published
    /// version byte for byte; before, a draft marked 草稿 for the project office and
    /// the leaders.
    pub async fn meeting_bulletin(&self, actor: &Actor, meeting_id: i64) -> Result<Download> {
        let m = self.meeting_row(&self.db, meeting_id).await?;
        if let Some(v) = self.latest_release(meeting_id).await? {
            let mark = if v.version > 1 { format!("（更正第{}版）", v.version) } else { String::new() };
            return Ok(Download { filename: file_name(&m, &format!("通报{mark}"), "docx"), bytes: v.bulletin });
        }
        let r = self.draft_results(actor, meeting_id).await?;
        let view = self.meeting(meeting_id).await?;
        let bytes = self.compose_bulletin(&view, &r, "草稿（评比结果尚未发布）").await?;
        Ok(Download { filename: file_name(&m, "通报（草稿）", "docx"), bytes })
    }

    /// All ballots and the computation, as the actor may have them: once released,
    /// the workbook published with the result; before, the one in progress for the
    /// project office and the leaders.
    pub async fn meeting_workbook(&self, actor: &Actor, meeting_id: i64) -> Result<Download> {
        let m = self.meeting_row(&self.db, meeting_id).await?;
        if let Some(v) = self.latest_release(meeting_id).await? {
            let mark = if v.version > 1 { format!("（更正第{}版）", v.version) } else { String::new() };
            return Ok(Download { filename: file_name(&m, &format!("评分明细{mark}"), "xlsx"), bytes: v.workbook });
        }
        let r = self.draft_results(actor, meeting_id).await?;
        let view = self.meeting(meeting_id).await?;
        let bytes = self.compose_workbook(&view, &r).await?;
        Ok(Download { filename: file_name(&m, "评分明细（未发布）", "xlsx"), bytes })
    }

    /// An earlier published version's bulletin or workbook, as it was published
    /// (released results are for everyone).
    pub async fn published_file(&self, meeting_id: i64, version: i32, workbook: bool) -> Result<Download> {
        let m = self.meeting_row(&self.db, meeting_id).await?;
        let v = meeting_release::Entity::find()
            .filter(meeting_release::Column::MeetingId.eq(meeting_id))
            .filter(meeting_release::Column::Version.eq(version))
            .one(&self.db)
            .await?
            .ok_or(AppError::NotFound("发布版本"))?;
        let what = if workbook { "评分明细" } else { "通报" };
        let mark = if version > 1 { format!("（更正第{version}版）") } else { "（第1版）".to_string() };
        let (ext, bytes) = if workbook { ("xlsx", v.workbook) } else { ("docx", v.bulletin) };
        Ok(Download { filename: file_name(&m, &format!("{what}{mark}"), ext), bytes })
    }

    /// The sites each judge declined: (judge, site) → reason.
    pub(super) async fn declines(&self, meeting_id: i64) -> Result<HashMap<(i64, i64), String>> {
        Ok(meeting_remark::Entity::find()
            .filter(meeting_remark::Column::MeetingId.eq(meeting_id))
            .filter(meeting_remark::Column::DeclinedReason.ne(""))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| ((r.judge_id, r.site_id), r.declined_reason))
            .collect())
    }

    pub(super) async fn latest_release(&self, meeting_id: i64) -> Result<Option<meeting_release::Model>> {
        Ok(meeting_release::Entity::find()
            .filter(meeting_release::Column::MeetingId.eq(meeting_id))
            .order_by_desc(meeting_release::Column::Version)
            .one(&self.db)
            .await?)
    }
}

/// A file to download: its name and bytes.
#[derive(Debug, Clone)]
pub struct Download {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// "2026年第四季度全区项目建设现场观摩（2026-12-20）通报.docx": named after the meeting
/// and its date, without characters a file system refuses.
fn file_name(m: &meeting::Model, what: &str, ext: &str) -> String {
    let name: String = m
        .name
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|'))
        .take(80)
        .collect();
    let date = m.held_on.map(|d| format!("（{d}）")).unwrap_or_default();
    format!("{name}{date}{what}.{ext}")
}
