//! The documents a release publishes, composed from the results: the bulletin (通报)
//! in the official layout and the workbook with every ballot and the computation.

use super::*;

impl Meetings<'_> {
    /// The bulletin's words, composed from the results.
    pub(super) async fn compose_bulletin(&self, view: &MeetingView, r: &Results, mark: &str) -> Result<Vec<u8>> {
        let comments = self.meeting_comments(view.id).await?;
        let date = view.held_on.map(|d| format!("{}年{}月{}日", d.year(), d.month(), d.day())).unwrap_or_default();
        let until = match (view.held_on, view.ends_on) {
            (Some(s), Some(e)) if (s.year(), s.month()) == (e.year(), e.month()) => format!("至{}日", e.day()),
            (Some(s), Some(e)) if s.year() == e.year() => format!("至{}月{}日", e.month(), e.day()),
            (_, Some(e)) => format!("至{}年{}月{}日", e.year(), e.month(), e.day()),
            _ => String::new(),
        };
        let judged = if view.needs_rubric || view.needs_rank {
            format!("{}名评委（{}/{}名评委已提交）", r.submitted, r.submitted, r.judges)
        } else {
            "按台账积分办法".to_string()
        };
        let mut paragraphs: Vec<Para> = vec![Para::Text(format!(
            "{date}{until}，区委、区政府组织开展了{}，{}对{}个办事处的{}个观摩点进行了评比（评比方法：{}）。现将评比结果通报如下。",
            view.name,
            judged,
            view.participants().count(),
            view.sites.len(),
            r.method_label
        ))];
        paragraphs.push(Para::Heading("一、评比结果".into()));
        let mut groups: Vec<&str> = r.offices.iter().map(|o| o.group.as_str()).collect();
        groups.dedup();
        for g in &groups {
            let in_group: Vec<&OfficeResult> = r.offices.iter().filter(|o| o.group == *g).collect();
            if let (Some(first), Some(last)) = (in_group.first(), in_group.last()) {
                let prefix = if g.is_empty() { String::new() } else { format!("{g}组中，") };
                paragraphs.push(Para::Text(format!(
                    "{prefix}{}综合得分{}分，位列第一；{}得分{}分，位列末位。",
                    first.office, first.score, last.office, last.score
                )));
            }
        }
        if !r.most_improved.is_empty() {
            let names: Vec<String> = r.most_improved.iter().map(|(o, g)| format!("{o}（前进{g}位）")).collect();
            paragraphs.push(Para::Text(format!(
                "与{}相比，争先进位的办事处有：{}。",
                r.previous.clone().unwrap_or_default(),
                names.join("、")
            )));
        }
        if !r.top_sites.is_empty() {
            let names: Vec<String> =
                r.top_sites.iter().take(3).map(|s| format!("{}（{}）", s.project, s.office)).collect();
            paragraphs.push(Para::Text(format!("得分最高的观摩项目为：{}。", names.join("、"))));
        }
        if r.offices.is_empty() {
            paragraphs.push("尚无已提交的评分，暂无排名。".into());
        }
        paragraphs.push(Para::Heading("二、观摩中发现的问题".into()));
        let problems: Vec<String> = view
            .sites
            .iter()
            .filter(|s| !s.latest_problems.trim().is_empty())
            .map(|s| format!("{}（{}）：{}", s.project, s.office, s.latest_problems.trim()))
            .collect();
        let weak: Vec<&str> = r.offices.iter().filter(|o| o.band == "一般").map(|o| o.office.as_str()).collect();
        if problems.is_empty() && weak.is_empty() {
            paragraphs.push("本次观摩的项目未报告突出问题。".into());
        }
        for (i, p) in problems.iter().enumerate() {
            paragraphs.push(Para::Text(format!("{}. {p}", i + 1)));
        }
        if !weak.is_empty() {
            paragraphs.push(Para::Text(format!("{}得分处于“一般”等次，项目建设进度和质量有待提高。", weak.join("、"))));
        }
        paragraphs.push(Para::Heading("三、领导点评".into()));
        if comments.is_empty() {
            paragraphs.push("（无）".into());
        }
        for c in &comments {
            let on = if c.project.is_empty() { c.office.clone() } else { format!("{}（{}）", c.project, c.office) };
            paragraphs.push(Para::Text(format!("{}点评{on}：{}", c.leader, c.body)));
        }
        paragraphs.push(
            "希望各办事处对标先进、找准差距，以“等不起”的紧迫感、“慢不得”的危机感、“坐不住”的责任感，狠抓项目建设。"
                .into(),
        );
        let mut office_header = vec!["排名".to_string(), "办事处".into(), "得分".into(), "等次".into()];
        if view.has_groups {
            office_header.insert(0, "分组".into());
        }
        if let Some(p) = &r.published
            && p.version > 1
        {
            paragraphs.insert(0, Para::Text(format!("（本通报为第{}版更正稿，更正原因：{}）", p.version, p.reason)));
        }
        let bulletin = Bulletin {
            mark: mark.to_string(),
            issuer: "区项目建设指挥部办公室".into(),
            doc_number: view.doc_number.clone(),
            title: format!("关于{}评比结果的通报", view.name),
            addressees: "各办事处，区直有关部门：".into(),
            paragraphs,
            tables: vec![
                BulletinTable {
                    caption: "各办事处得分及排名".into(),
                    header: office_header,
                    rows: r
                        .offices
                        .iter()
                        .map(|o| {
                            let mut row =
                                vec![o.rank.to_string(), o.office.clone(), o.score.clone(), o.band.to_string()];
                            if view.has_groups {
                                row.insert(0, o.group.clone());
                            }
                            row
                        })
                        .collect(),
                },
                BulletinTable {
                    caption: format!("观摩项目得分（前十，按{}）", r.site_basis),
                    header: vec!["项目".into(), "办事处".into(), "得分".into()],
                    rows: r
                        .top_sites
                        .iter()
                        .map(|s| vec![s.project.clone(), s.office.clone(), s.score.clone()])
                        .collect(),
                },
            ],
            signature: vec!["区项目建设指挥部办公室".into(), date],
        };
        write_bulletin(&bulletin).map_err(AppError::from)
    }

    /// All ballots and the computation, for anyone who wants to check the result:
    /// the ranking with its parts, every judge's rubric scores and declines, every rank
    /// ballot, the points formula item by item, and the bonus/penalty items.
    pub(super) async fn compose_workbook(&self, view: &MeetingView, r: &Results) -> Result<Vec<u8>> {
        use fengkou_office::table::{Sheet, TableCell, write_sheets};
        let meeting_id = view.id;
        let judges =
            meeting_judge::Entity::find().filter(meeting_judge::Column::MeetingId.eq(meeting_id)).all(&self.db).await?;
        let scores =
            meeting_score::Entity::find().filter(meeting_score::Column::MeetingId.eq(meeting_id)).all(&self.db).await?;
        let ranks =
            meeting_rank::Entity::find().filter(meeting_rank::Column::MeetingId.eq(meeting_id)).all(&self.db).await?;
        let text = |s: &str| TableCell::Text(s.to_string());
        let number = |s: &str| s.parse::<f64>().map_or_else(|_| TableCell::Text(s.to_string()), TableCell::Number);
        let optional = |s: &Option<String>| s.as_deref().map_or(TableCell::Text("—".into()), number);
        let status =
            |j: &meeting_judge::Model| if j.submitted_at.is_some() { "已提交" } else { "未提交（不计入）" };

        let mut headers = vec!["评委".to_string(), "状态".to_string(), "观摩点".to_string(), "办事处".to_string()];
        headers.extend(
            view.criteria
                .iter()
                .map(|c| format!("{}（满分{}，权重{}）", c.name, c.max.normalize(), c.weight.normalize())),
        );
        headers.push("折算总分".into());
        let mut detail = Vec::new();
        for j in &judges {
            for site in &view.sites {
                let entered: Vec<Option<Decimal>> = view
                    .criterion_ids
                    .iter()
                    .map(|cid| {
                        scores
                            .iter()
                            .find(|s| s.judge_id == j.id && s.site_id == site.id && s.criterion_id == *cid)
                            .map(|s| *s.score)
                    })
                    .collect();
                if entered.iter().all(Option::is_none) {
                    continue;
                }
                let named: Vec<(String, Decimal)> =
                    view.criteria.iter().zip(&entered).filter_map(|(c, v)| v.map(|v| (c.name.clone(), v))).collect();
                let mut row = vec![text(&j.username), text(status(j)), text(&site.project), text(&site.office)];
                row.extend(entered.iter().map(|v| v.map_or(text("—"), |v| number(&v.to_string()))));
                row.push(match rubric_total(&view.criteria, &named) {
                    Ok(t) => number(&round2(t).to_string()),
                    Err(e) => TableCell::Text(e.to_string()),
                });
                detail.push(row);
            }
        }
        for ((judge_id, site_id), reason) in self.declines(meeting_id).await? {
            let (Some(j), Some(site)) =
                (judges.iter().find(|j| j.id == judge_id), view.sites.iter().find(|s| s.id == site_id))
            else {
                continue;
            };
            let mut row = vec![text(&j.username), text(status(j)), text(&site.project), text(&site.office)];
            row.extend(view.criteria.iter().map(|_| text("—")));
            row.push(text(&format!("回避：{reason}")));
            detail.push(row);
        }
        let step = *self.meeting_row(&self.db, meeting_id).await?.rank_step;
        let mut rank_rows = Vec::new();
        for j in &judges {
            for rk in ranks.iter().filter(|x| x.judge_id == j.id) {
                let Some(o) = view.offices.iter().find(|o| o.id == rk.office_id) else { continue };
                let void = r
                    .void_ballots
                    .iter()
                    .find(|v| v.judge == j.username && v.group.as_deref().unwrap_or("") == o.group);
                let points = fengkou_domain::observation::rank_points(u32::try_from(rk.rank).unwrap_or(0), step);
                rank_rows.push(vec![
                    text(&j.username),
                    text(void.map_or(status(j), |_| "无效票")),
                    text(&o.group),
                    text(&o.name),
                    TableCell::Number(f64::from(rk.rank)),
                    number(&shown(points)),
                    text(void.map_or("", |v| v.reason.as_str())),
                ]);
            }
        }
        let formula_rows = view
            .sites
            .iter()
            .map(|s| {
                let items: Vec<String> = s.formula_items.iter().map(|(l, v)| format!("{l} {v}")).collect();
                vec![
                    text(&s.project),
                    text(&s.office),
                    text(&items.join("；")),
                    number(&s.formula_total),
                    text(&s.penalty_reason),
                ]
            })
            .collect();
        let sheets = [
            Sheet {
                name: "排名".into(),
                title: format!("{} 各办事处得分及排名（{}）", view.name, r.method_label),
                unit: "单位：分".into(),
                headers: [
                    "分组",
                    "排名",
                    "办事处",
                    "得分",
                    "等次",
                    "评委打分",
                    "排名投票",
                    "台账积分",
                    "加减分",
                    "较上次进位",
                ]
                .map(String::from)
                .to_vec(),
                rows: r
                    .offices
                    .iter()
                    .map(|o| {
                        vec![
                            text(&o.group),
                            TableCell::Number(f64::from(o.rank)),
                            text(&o.office),
                            number(&o.score),
                            text(&o.band),
                            optional(&o.rubric),
                            optional(&o.ranked),
                            optional(&o.formula),
                            optional(&o.adjustment),
                            o.change.map_or(text("—"), |c| TableCell::Number(c as f64)),
                        ]
                    })
                    .collect(),
            },
            Sheet {
                name: "观摩点得分".into(),
                title: format!("观摩点得分（按{}）", r.site_basis),
                unit: "单位：分".into(),
                headers: vec!["观摩点".into(), "办事处".into(), "得分".into(), "评委人数".into()],
                rows: r
                    .top_sites
                    .iter()
                    .map(|s| {
                        vec![text(&s.project), text(&s.office), number(&s.score), TableCell::Number(s.judges as f64)]
                    })
                    .collect(),
            },
            Sheet {
                name: "评分明细".into(),
                title: "各评委评分明细".into(),
                unit: "单位：分".into(),
                headers,
                rows: detail,
            },
            Sheet {
                name: "排名投票".into(),
                title: format!("各评委排名投票（第k名得 100 − {}×(k−1) 分）", shown(step)),
                unit: "单位：分".into(),
                headers: ["评委", "状态", "分组", "办事处", "名次", "得分", "无效原因"].map(String::from).to_vec(),
                rows: rank_rows,
            },
            Sheet {
                name: "台账积分".into(),
                title: "观摩点台账积分（逐项）".into(),
                unit: "单位：分".into(),
                headers: ["观摩点", "办事处", "积分项", "合计", "扣分原因"].map(String::from).to_vec(),
                rows: formula_rows,
            },
            Sheet {
                name: "加减分".into(),
                title: "加减分项".into(),
                unit: "单位：分".into(),
                headers: ["办事处", "分值", "原因", "录入人"].map(String::from).to_vec(),
                rows: view
                    .adjustments
                    .iter()
                    .map(|a| vec![text(&a.office), number(&a.points), text(&a.reason), text(&a.by)])
                    .collect(),
            },
        ];
        write_sheets(&sheets).map_err(AppError::from)
    }
}
