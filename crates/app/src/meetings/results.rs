//! Results from the submitted sheets, and the bulletin composed from them.

use super::*;

impl App {
    /// Results from the submitted sheets: each judge's rubric total per site, aggregated
    /// per site, combined per office, ranked and banded.
    pub async fn meeting_results(&self, meeting_id: i64) -> Result<Results> {
        let m = self.meeting_row(&self.db, meeting_id).await?;
        let view = self.meeting(meeting_id).await?;
        let judges =
            meeting_judge::Entity::find().filter(meeting_judge::Column::MeetingId.eq(meeting_id)).all(&self.db).await?;
        let submitted: Vec<&meeting_judge::Model> = judges.iter().filter(|j| j.submitted_at.is_some()).collect();
        let scores =
            meeting_score::Entity::find().filter(meeting_score::Column::MeetingId.eq(meeting_id)).all(&self.db).await?;
        let mut lines = Vec::new();
        for j in &submitted {
            for site in &view.sites {
                let entered: Vec<(String, Decimal)> = view
                    .criterion_ids
                    .iter()
                    .zip(&view.criteria)
                    .filter_map(|(cid, c)| {
                        scores
                            .iter()
                            .find(|s| s.judge_id == j.id && s.site_id == site.id && s.criterion_id == *cid)
                            .map(|s| (c.name.clone(), dec(&s.score)))
                    })
                    .collect();
                if let Ok(total) = rubric_total(&view.criteria, &entered) {
                    lines.push(ScoreLine { judge: j.username.clone(), unit: site.id.to_string(), score: total });
                }
            }
        }
        let how = Aggregation::from_code(&m.aggregate).unwrap_or(Aggregation::Mean);
        let per_site = aggregate_scores(&lines, how);
        let combination = if m.combination == "sum" { SiteCombination::Sum } else { SiteCombination::Mean };
        let mut per_office: Vec<UnitScore> = Vec::new();
        let mut office_ids: Vec<(i64, String)> = view.sites.iter().map(|s| (s.office_id, s.office.clone())).collect();
        office_ids.sort();
        office_ids.dedup();
        for (oid, name) in &office_ids {
            let site_scores: Vec<Decimal> = view
                .sites
                .iter()
                .filter(|s| s.office_id == *oid)
                .filter_map(|s| per_site.iter().find(|p| p.unit == s.id.to_string()).map(|p| p.score))
                .collect();
            if !site_scores.is_empty() {
                per_office.push(UnitScore {
                    unit: name.clone(),
                    score: unit_from_sites(&site_scores, combination),
                    votes: site_scores.len(),
                });
            }
        }
        let (excellent, good) = (dec(&m.excellent_from), dec(&m.good_from));
        let offices = ranking(&per_office)
            .into_iter()
            .map(|r: Ranked| OfficeResult {
                band: band(dec(&r.score), excellent, good),
                office: r.unit,
                score: r.score,
                rank: r.rank,
            })
            .collect();
        let mut top_sites: Vec<SiteResult> = per_site
            .iter()
            .filter_map(|p| {
                let site = view.sites.iter().find(|s| s.id.to_string() == p.unit)?;
                Some(SiteResult {
                    site_id: site.id,
                    project: site.project.clone(),
                    office: site.office.clone(),
                    score: format!("{:.2}", round2(p.score)),
                    judges: p.votes,
                })
            })
            .collect();
        top_sites.sort_by_key(|s| std::cmp::Reverse(dec(&s.score)));
        top_sites.truncate(10);
        Ok(Results { offices, top_sites, submitted: submitted.len(), judges: judges.len() })
    }

    /// The bulletin (通报) as a Word document, its words composed from the results.
    pub async fn meeting_bulletin(&self, meeting_id: i64) -> Result<Vec<u8>> {
        let view = self.meeting(meeting_id).await?;
        let r = self.meeting_results(meeting_id).await?;
        let date = view
            .held_on
            .map(|d| {
                format!(
                    "{}年{}月{}日",
                    chrono::Datelike::year(&d),
                    chrono::Datelike::month(&d),
                    chrono::Datelike::day(&d)
                )
            })
            .unwrap_or_default();
        let mut paragraphs = vec![format!(
            "{date}，区委、区政府组织开展了{}，{}名评委对{}个观摩点进行了现场评分。现将评比结果通报如下。",
            view.name,
            r.submitted,
            view.sites.len()
        )];
        if let (Some(first), Some(last)) = (r.offices.first(), r.offices.last()) {
            paragraphs.push(format!(
                "{}综合得分{}分，位列第一；{}得分{}分，位列末位。",
                first.office, first.score, last.office, last.score
            ));
        }
        if !r.top_sites.is_empty() {
            let names: Vec<String> =
                r.top_sites.iter().take(3).map(|s| format!("{}（{}）", s.project, s.office)).collect();
            paragraphs.push(format!("得分最高的观摩项目为：{}。", names.join("、")));
        }
        paragraphs.push(
            "希望各办事处对标先进、找准差距，以“等不起”的紧迫感、“慢不得”的危机感、“坐不住”的责任感，狠抓项目建设。"
                .into(),
        );
        let bulletin = Bulletin {
            issuer: "区项目建设指挥部办公室".into(),
            doc_number: format!("区项指办〔{}〕{}号", view.held_on.map_or(0, |d| chrono::Datelike::year(&d)), view.id),
            title: format!("关于{}评比结果的通报", view.name),
            addressees: "各办事处，区直有关部门：".into(),
            paragraphs,
            tables: vec![
                BulletinTable {
                    caption: "各办事处得分及排名".into(),
                    header: vec!["排名".into(), "办事处".into(), "得分".into(), "等次".into()],
                    rows: r
                        .offices
                        .iter()
                        .map(|o| vec![o.rank.to_string(), o.office.clone(), o.score.clone(), o.band.to_string()])
                        .collect(),
                },
                BulletinTable {
                    caption: "观摩项目得分（前十）".into(),
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
        write_bulletin(&bulletin).map_err(|e| AppError::Rejected(e.to_string()))
    }

    /// All ballots and the computation, for anyone who wants to check the result:
    /// the ranking, every judge's score per site and criterion, and each site's total.
    pub async fn meeting_workbook(&self, meeting_id: i64) -> Result<Vec<u8>> {
        use fengkou_office::table::{Sheet, TableCell, write_sheets};
        let view = self.meeting(meeting_id).await?;
        let r = self.meeting_results(meeting_id).await?;
        let judges =
            meeting_judge::Entity::find().filter(meeting_judge::Column::MeetingId.eq(meeting_id)).all(&self.db).await?;
        let scores =
            meeting_score::Entity::find().filter(meeting_score::Column::MeetingId.eq(meeting_id)).all(&self.db).await?;
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
                            .map(|s| dec(&s.score))
                    })
                    .collect();
                if entered.iter().all(Option::is_none) {
                    continue;
                }
                let named: Vec<(String, Decimal)> =
                    view.criteria.iter().zip(&entered).filter_map(|(c, v)| v.map(|v| (c.name.clone(), v))).collect();
                let mut row = vec![
                    TableCell::Text(j.username.clone()),
                    TableCell::Text(if j.submitted_at.is_some() { "已提交" } else { "未提交（不计入）" }.into()),
                    TableCell::Text(site.project.clone()),
                    TableCell::Text(site.office.clone()),
                ];
                row.extend(entered.iter().map(|v| {
                    v.map_or(TableCell::Text("—".into()), |v| TableCell::Number(v.to_string().parse().unwrap_or(0.0)))
                }));
                row.push(match rubric_total(&view.criteria, &named) {
                    Ok(t) => TableCell::Number(round2(t).to_string().parse().unwrap_or(0.0)),
                    Err(e) => TableCell::Text(e.to_string()),
                });
                detail.push(row);
            }
        }
        let sheets = [
            Sheet {
                name: "排名".into(),
                title: format!("{} 各办事处得分及排名", view.name),
                unit: "单位：分".into(),
                headers: vec!["排名".into(), "办事处".into(), "得分".into(), "等次".into()],
                rows: r
                    .offices
                    .iter()
                    .map(|o| {
                        vec![
                            TableCell::Number(f64::from(o.rank)),
                            TableCell::Text(o.office.clone()),
                            TableCell::Text(o.score.clone()),
                            TableCell::Text(o.band.into()),
                        ]
                    })
                    .collect(),
            },
            Sheet {
                name: "观摩点得分".into(),
                title: "观摩点得分（已提交评委的折算总分汇总）".into(),
                unit: "单位：分".into(),
                headers: vec!["观摩点".into(), "办事处".into(), "得分".into(), "评委人数".into()],
                rows: r
                    .top_sites
                    .iter()
                    .map(|s| {
                        vec![
                            TableCell::Text(s.project.clone()),
                            TableCell::Text(s.office.clone()),
                            TableCell::Text(s.score.clone()),
                            TableCell::Number(s.judges as f64),
                        ]
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
        ];
        write_sheets(&sheets).map_err(|e| AppError::Rejected(e.to_string()))
    }
}
