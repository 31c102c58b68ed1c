//! Observation meetings: the plan's rules, every scoring method, fairness, results
//! and history, on every backend.

use super::*;
use fengkou_app::meetings::{MethodSettings, RouteLine, ScopeLine};
use rust_decimal::Decimal;

fn method(method: &str, aggregate: &str, combination: &str, excellent: &str, good: &str) -> MethodSettings {
    MethodSettings {
        method: method.into(),
        aggregate: aggregate.into(),
        combination: combination.into(),
        rank_step: "3".into(),
        weight_rubric: "70".into(),
        weight_rank: "0".into(),
        weight_formula: "30".into(),
        excellent_from: excellent.into(),
        good_from: good.into(),
        // These tests pin cut-offs; banding by shares has its own test.
        band_mode: "score".into(),
        ..Default::default()
    }
}

async fn offices(app: &App) -> std::collections::HashMap<String, i64> {
    app.offices().await.unwrap().into_iter().map(|o| (o.name, o.id)).collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn observation_meeting_scoring_is_fair_and_ranked(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let judge_hb = login(&app, "judge_hb", Role::OfficeUser, Some("湖北路办事处")).await;
    let judge_lead = login(&app, "judge_lead", Role::Leader, None).await;
    let hb = app.projects().create_project(&xmb, &header("湖北路一号项目", "湖北路办事处")).await.unwrap();
    let tj = app.projects().create_project(&xmb, &header("天津路一号项目", "天津路办事处")).await.unwrap();
    let tj_more: Vec<i64> = {
        let mut v = Vec::new();
        for i in 2..=4 {
            v.push(
                app.projects()
                    .create_project(&xmb, &header(&format!("天津路{i}号项目"), "天津路办事处"))
                    .await
                    .unwrap(),
            );
        }
        v
    };
    assert!(matches!(
        app.meetings().create_meeting(&judge_lead, "x", d("2026-09-26")).await,
        Err(AppError::Forbidden(_))
    ));
    let m = app.meetings().create_meeting(&xmb, "2026年第三季度项目观摩", d("2026-09-26")).await.unwrap();
    app.meetings().add_site(&xmb, m, hb, "09:00").await.unwrap();
    app.meetings().add_site(&xmb, m, tj, "10:00").await.unwrap();
    app.meetings().add_site(&xmb, m, tj_more[0], "10:30").await.unwrap();
    app.meetings().add_site(&xmb, m, tj_more[1], "11:00").await.unwrap();
    let err = app.meetings().add_site(&xmb, m, tj_more[2], "11:30").await.unwrap_err();
    assert!(matches!(err, AppError::Meeting(MeetingError::TooManySites { limit: 3, .. })), "{err}");
    app.meetings().invite_judge(&xmb, m, "judge_hb", None).await.unwrap();
    app.meetings().invite_judge(&xmb, m, "judge_lead", None).await.unwrap();
    let view = app.meetings().meeting_for(&cli_actor(), m).await.unwrap();
    assert_eq!(view.sites.len(), 4);
    let site = |project: i64| view.sites.iter().find(|s| s.project_id == project).unwrap().id;
    let full = |pct: i64| -> Vec<(i64, Decimal)> {
        view.criterion_ids
            .iter()
            .zip(&view.criteria)
            .map(|(id, c)| (*id, c.max * Decimal::from(pct) / Decimal::from(100)))
            .collect()
    };

    // Conflict of interest, range, sites outside the meeting, strangers.
    let err = app.meetings().score_site(&judge_hb, m, site(hb), &full(100), "").await.unwrap_err();
    assert!(err.to_string().contains("利益回避"), "{err}");
    let mut too_high = full(100);
    too_high[0].1 += Decimal::ONE;
    assert!(
        app.meetings()
            .score_site(&judge_lead, m, site(hb), &too_high, "")
            .await
            .unwrap_err()
            .to_string()
            .contains("超出范围")
    );
    assert!(app.meetings().score_site(&judge_lead, m, 9_999, &full(90), "").await.is_err());
    assert!(matches!(app.meetings().score_site(&xmb, m, site(hb), &full(90), "").await, Err(AppError::Forbidden(_))));

    // Scores are saved as entered; sending the same again is harmless.
    app.meetings().score_site(&judge_lead, m, site(hb), &full(90), "现场管理规范").await.unwrap();
    app.meetings().score_site(&judge_lead, m, site(hb), &full(90), "现场管理规范").await.unwrap();
    let err = app.meetings().submit_sheet(&judge_lead, m).await.unwrap_err();
    assert!(matches!(&err, AppError::Meeting(MeetingError::SitesUnscored { sites }) if sites.len() == 3), "{err}");
    for (p, pct) in [(tj, 80), (tj_more[0], 70)] {
        app.meetings().score_site(&judge_lead, m, site(p), &full(pct), "").await.unwrap();
    }
    app.meetings().decline_site(&judge_lead, m, site(tj_more[1]), "曾在该企业任职").await.unwrap();
    app.meetings().submit_sheet(&judge_lead, m).await.unwrap();
    let err = app.meetings().score_site(&judge_lead, m, site(tj), &full(100), "").await.unwrap_err();
    assert!(matches!(err, AppError::Meeting(MeetingError::SheetLocked)), "{err}");
    for (p, pct) in [(tj, 60), (tj_more[0], 60), (tj_more[1], 60)] {
        app.meetings().score_site(&judge_hb, m, site(p), &full(pct), "").await.unwrap();
    }
    app.meetings().submit_sheet(&judge_hb, m).await.unwrap();

    let r = app.meetings().meeting_results(&xmb, m).await.unwrap();
    assert_eq!((r.submitted, r.judges), (2, 2));
    assert_eq!(r.offices[0].office, "湖北路办事处");
    assert_eq!((r.offices[0].score.as_str(), r.offices[0].band.as_str()), ("90.00", "优秀"));
    // 天津路: sites 70 (80,60), 65 (70,60), 60 (60 only) → mean 65.
    assert_eq!(r.offices[1].score, "65.00");
    assert_eq!(r.top_sites[0].project, "湖北路一号项目");

    // The method is a setting: bad choices are refused; summing sites changes the totals.
    assert!(app.meetings().set_meeting_method(&xmb, m, &method("rubric", "median", "mean", "90", "80")).await.is_err());
    assert!(app.meetings().set_meeting_method(&xmb, m, &method("rubric", "mean", "mean", "80", "90")).await.is_err());
    // Once a judge has submitted, the method itself stays.
    let err =
        app.meetings().set_meeting_method(&xmb, m, &method("formula", "mean", "mean", "90", "80")).await.unwrap_err();
    assert!(matches!(err, AppError::Meeting(MeetingError::MethodFixedBySubmittedSheets)), "{err}");
    app.meetings().set_meeting_method(&xmb, m, &method("rubric", "mean", "sum", "90", "80")).await.unwrap();
    let r = app.meetings().meeting_results(&xmb, m).await.unwrap();
    assert_eq!((r.offices[0].office.as_str(), r.offices[0].score.as_str()), ("天津路办事处", "195.00"));
    app.meetings().set_meeting_method(&xmb, m, &method("rubric", "zscore", "mean", "110", "100")).await.unwrap();
    assert!(!app.meetings().meeting_results(&xmb, m).await.unwrap().offices.is_empty());

    // Reopening needs a reason, and is in the audit trail.
    let judge_id = app
        .meetings()
        .meeting_for(&cli_actor(), m)
        .await
        .unwrap()
        .judges
        .iter()
        .find(|j| j.username == "judge_lead")
        .unwrap()
        .id;
    assert!(app.meetings().reopen_sheet(&xmb, m, judge_id, " ").await.is_err());
    app.meetings().reopen_sheet(&xmb, m, judge_id, "评委申请更正笔误").await.unwrap();
    app.meetings().score_site(&judge_lead, m, site(tj), &full(100), "").await.unwrap();
    let bytes = app.meetings().meeting_bulletin(&xmb, m).await.unwrap().bytes;
    assert!(bytes.starts_with(b"PK"));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn offices_propose_sites_and_the_plan_rules_explain_themselves(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let ids = offices(&app).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let hb = login(&app, "hb", Role::OfficeUser, Some("湖北路办事处")).await;
    let leader = login(&app, "leader", Role::Leader, None).await;
    let hb_projects: Vec<i64> = {
        let mut v = Vec::new();
        for i in 1..=4 {
            v.push(
                app.projects()
                    .create_project(&xmb, &header(&format!("湖北路{i}号项目"), "湖北路办事处"))
                    .await
                    .unwrap(),
            );
        }
        v
    };
    let tj = app.projects().create_project(&xmb, &header("天津路一号项目", "天津路办事处")).await.unwrap();
    let cc = app.projects().create_project(&xmb, &header("长春路一号项目", "长春路办事处")).await.unwrap();

    // The previous meeting showed 湖北路4号项目.
    let q3 = app.meetings().create_meeting(&xmb, "第三季度观摩", d("2026-09-20")).await.unwrap();
    app.meetings().add_site(&xmb, q3, hb_projects[3], "").await.unwrap();

    let q4 = app.meetings().create_meeting(&xmb, "第四季度观摩", d("2026-11-20")).await.unwrap();
    let scope: Vec<ScopeLine> = ids
        .iter()
        .map(|(name, id)| ScopeLine { office_id: *id, taking_part: name != "长春路办事处", group: String::new() })
        .collect();
    assert!(matches!(app.meetings().set_scope(&leader, q4, &scope).await, Err(AppError::Forbidden(_))));
    let nobody: Vec<ScopeLine> = scope.iter().map(|l| ScopeLine { taking_part: false, ..l.clone() }).collect();
    assert!(app.meetings().set_scope(&xmb, q4, &nobody).await.unwrap_err().to_string().contains("至少"));
    app.meetings().set_scope(&xmb, q4, &scope).await.unwrap();
    let err = app.meetings().add_site(&xmb, q4, cc, "").await.unwrap_err();
    assert!(
        matches!(&err, AppError::Meeting(MeetingError::OfficeNotTakingPart { office }) if office == "长春路办事处"),
        "{err}"
    );

    // An office proposes its own projects only; the proposal waits.
    assert!(matches!(app.meetings().add_site(&hb, q4, tj, "").await, Err(AppError::Forbidden(_))));
    app.meetings().add_site(&hb, q4, hb_projects[0], "").await.unwrap();
    let view = app.meetings().meeting_for(&cli_actor(), q4).await.unwrap();
    assert!(view.sites.is_empty());
    assert_eq!(view.proposals.len(), 1);
    assert!(view.plan_warnings.iter().any(|w| w.contains("待项目办确认")), "{:?}", view.plan_warnings);
    assert_eq!((view.proposals[0].status.code(), view.proposals[0].proposed_by.as_str()), ("proposed", "hb"));

    // Shown at the previous meeting: refused, naming that meeting.
    let err = app.meetings().add_site(&hb, q4, hb_projects[3], "").await.unwrap_err();
    assert!(
        matches!(&err, AppError::Meeting(MeetingError::ShownAtPreviousMeeting { previous, .. }) if previous.starts_with("第三季度观摩")),
        "{err}"
    );
    // At most three per office, proposals included.
    app.meetings().add_site(&hb, q4, hb_projects[1], "").await.unwrap();
    app.meetings().add_site(&xmb, q4, hb_projects[2], "10:00").await.unwrap();
    app.meetings().add_site(&xmb, q4, tj, "11:00").await.unwrap();
    let err = app.meetings().add_site(&xmb, q4, hb_projects[3], "").await.unwrap_err();
    assert!(matches!(err, AppError::Meeting(MeetingError::TooManySites { limit: 3, .. })), "{err}");

    // Confirming: only the project office; withdrawing: the proposing office too.
    let view = app.meetings().meeting_for(&cli_actor(), q4).await.unwrap();
    let proposal = |p: i64| view.proposals.iter().find(|s| s.project_id == p).unwrap().id;
    assert!(matches!(
        app.meetings().confirm_site(&hb, q4, proposal(hb_projects[0])).await,
        Err(AppError::Forbidden(_))
    ));
    app.meetings().confirm_site(&xmb, q4, proposal(hb_projects[0])).await.unwrap();
    app.meetings().remove_site(&hb, q4, proposal(hb_projects[1])).await.unwrap();
    let view = app.meetings().meeting_for(&cli_actor(), q4).await.unwrap();
    assert_eq!(view.sites.len(), 3);
    assert!(view.proposals.is_empty());
    let confirmed = view.sites.iter().find(|s| s.project_id == hb_projects[0]).unwrap().id;
    assert!(matches!(app.meetings().remove_site(&hb, q4, confirmed).await, Err(AppError::Forbidden(_))));
    // An office can no longer leave the meeting while it has sites.
    let without_tj: Vec<ScopeLine> = scope
        .iter()
        .map(|l| ScopeLine { taking_part: l.office_id != ids["天津路办事处"] && l.taking_part, ..l.clone() })
        .collect();
    assert!(matches!(
        app.meetings().set_scope(&xmb, q4, &without_tj).await,
        Err(AppError::Meeting(MeetingError::OfficeHasSites { office })) if office == "天津路办事处"
    ));

    // The route: a permutation of 1..n, or nothing changes.
    let order: Vec<i64> = view.sites.iter().map(|s| s.id).collect();
    let bad: Vec<RouteLine> =
        order.iter().map(|id| RouteLine { site_id: *id, seq: 1, visit_time: "09:00".into() }).collect();
    let err = app.meetings().set_route(&xmb, q4, &bad).await.unwrap_err();
    assert!(err.to_string().contains("每个序号用一次"), "{err}");
    let reversed: Vec<RouteLine> = order
        .iter()
        .enumerate()
        .map(|(i, id)| RouteLine { site_id: *id, seq: (order.len() - i) as i32, visit_time: format!("{}:00", 9 + i) })
        .collect();
    app.meetings().set_route(&xmb, q4, &reversed).await.unwrap();
    let after: Vec<i64> =
        app.meetings().meeting_for(&cli_actor(), q4).await.unwrap().sites.iter().map(|s| s.id).collect();
    assert_eq!(after, order.into_iter().rev().collect::<Vec<_>>());
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn rank_ballots_within_groups_refuse_ties_and_rank_each_group(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let ids = offices(&app).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let hb_judge = login(&app, "hb", Role::OfficeUser, Some("湖北路办事处")).await;
    let lead = login(&app, "lead", Role::Leader, None).await;
    let m = app.meetings().create_meeting(&xmb, "排名投票观摩", d("2026-11-20")).await.unwrap();
    let groups = [
        ("湖北路办事处", "城区"),
        ("天津路办事处", "城区"),
        ("长春路办事处", "城区"),
        ("工农办事处", "郊区"),
        ("瀛洲办事处", "郊区"),
    ];
    let scope: Vec<ScopeLine> = ids
        .iter()
        .map(|(name, id)| {
            let group = groups.iter().find(|(n, _)| n == name).map(|(_, g)| g.to_string());
            ScopeLine { office_id: *id, taking_part: group.is_some(), group: group.unwrap_or_default() }
        })
        .collect();
    app.meetings().set_scope(&xmb, m, &scope).await.unwrap();
    app.meetings().set_meeting_method(&xmb, m, &method("rank_ballot", "mean", "mean", "95", "90")).await.unwrap();
    app.meetings().invite_judge(&xmb, m, "hb", None).await.unwrap();
    app.meetings().invite_judge(&xmb, m, "lead", None).await.unwrap();

    // The judge of 湖北路 ranks everyone else: two in 城区, two in 郊区.
    let sheet = app.meetings().score_sheet(&hb_judge, m).await.unwrap();
    assert!(sheet.meeting.needs_rank && !sheet.meeting.needs_rubric);
    let mut listed: Vec<&str> = sheet.ranking.iter().map(|r| r.office.as_str()).collect();
    listed.sort();
    assert_eq!(listed, ["天津路办事处", "工农办事处", "瀛洲办事处", "长春路办事处"]);
    let id = |n: &str| ids[n];
    let tie = [(id("天津路办事处"), 1), (id("长春路办事处"), 1), (id("工农办事处"), 1), (id("瀛洲办事处"), 2)];
    let err = app.meetings().save_ranking(&hb_judge, m, &tie).await.unwrap_err();
    assert!(err.to_string().contains("并列第1名"), "{err}");
    let own = [
        (id("湖北路办事处"), 1),
        (id("天津路办事处"), 1),
        (id("长春路办事处"), 2),
        (id("工农办事处"), 1),
        (id("瀛洲办事处"), 2),
    ];
    assert!(app.meetings().save_ranking(&hb_judge, m, &own).await.unwrap_err().to_string().contains("利益回避"));
    let short = [(id("天津路办事处"), 1), (id("工农办事处"), 1), (id("瀛洲办事处"), 2)];
    assert!(
        app.meetings()
            .save_ranking(&hb_judge, m, &short)
            .await
            .unwrap_err()
            .to_string()
            .contains("长春路办事处还没有名次")
    );
    assert!(
        app.meetings().score_sheet(&hb_judge, m).await.unwrap().ranking.iter().all(|r| r.rank.is_none()),
        "nothing saved"
    );
    let err = app.meetings().submit_sheet(&hb_judge, m).await.unwrap_err();
    assert!(matches!(err, AppError::Meeting(MeetingError::RankingIncomplete)), "{err}");
    let good = [(id("天津路办事处"), 1), (id("长春路办事处"), 2), (id("工农办事处"), 2), (id("瀛洲办事处"), 1)];
    app.meetings().save_ranking(&hb_judge, m, &good).await.unwrap();
    app.meetings().save_ranking(&hb_judge, m, &good).await.unwrap();
    app.meetings().submit_sheet(&hb_judge, m).await.unwrap();
    assert!(matches!(
        app.meetings().save_ranking(&hb_judge, m, &good).await,
        Err(AppError::Meeting(MeetingError::SheetLocked))
    ));

    let lead_ballot = [
        (id("湖北路办事处"), 1),
        (id("天津路办事处"), 3),
        (id("长春路办事处"), 2),
        (id("工农办事处"), 1),
        (id("瀛洲办事处"), 2),
    ];
    app.meetings().save_ranking(&lead, m, &lead_ballot).await.unwrap();
    app.meetings().submit_sheet(&lead, m).await.unwrap();

    // 城区: 湖北路 100 (one ballot); 长春路 (97+97)/2 = 97; 天津路 (100+94)/2 = 97.
    // 郊区: 瀛洲 (100+97)/2 = 98.5, 工农 (97+100)/2 = 98.5.
    let r = app.meetings().meeting_results(&xmb, m).await.unwrap();
    let got: Vec<(&str, &str, &str, u32)> =
        r.offices.iter().map(|o| (o.group.as_str(), o.office.as_str(), o.score.as_str(), o.rank)).collect();
    assert_eq!(
        got,
        [
            ("城区", "湖北路办事处", "100.00", 1),
            ("城区", "天津路办事处", "97.00", 2),
            ("城区", "长春路办事处", "97.00", 2),
            ("郊区", "工农办事处", "98.50", 1),
            ("郊区", "瀛洲办事处", "98.50", 1),
        ]
    );
    assert_eq!(r.offices[0].band, "优秀");
    assert!(r.void_ballots.is_empty());
    let ballots = app.meetings().meeting_ballots(&xmb, m).await.unwrap();
    assert_eq!(ballots.ranks.len(), 9);
    assert!(app.meetings().meeting_workbook(&xmb, m).await.unwrap().bytes.starts_with(b"PK"));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn formula_and_composite_need_no_judges_and_history_counts_places_gained(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let lead = login(&app, "lead", Role::Leader, None).await;
    let hb = app.projects().create_project(&xmb, &header("湖北路一号项目", "湖北路办事处")).await.unwrap();
    let tj = app.projects().create_project(&xmb, &header("天津路一号项目", "天津路办事处")).await.unwrap();
    let hb2 = app.projects().create_project(&xmb, &header("湖北路二号项目", "湖北路办事处")).await.unwrap();
    let tj2 = app.projects().create_project(&xmb, &header("天津路二号项目", "天津路办事处")).await.unwrap();
    let ids = offices(&app).await;
    let two: Vec<ScopeLine> = ids
        .iter()
        .map(|(name, id)| ScopeLine {
            office_id: *id,
            taking_part: name == "湖北路办事处" || name == "天津路办事处",
            group: String::new(),
        })
        .collect();

    // First meeting, by formula alone: 天津路's site was at a concentrated start.
    let first = app.meetings().create_meeting(&xmb, "第二季度观摩", d("2026-06-20")).await.unwrap();
    app.meetings().set_scope(&xmb, first, &two).await.unwrap();
    app.meetings().set_meeting_method(&xmb, first, &method("formula", "mean", "mean", "90", "80")).await.unwrap();
    app.meetings().add_site(&xmb, first, hb, "").await.unwrap();
    app.meetings().add_site(&xmb, first, tj, "").await.unwrap();
    let view = app.meetings().meeting_for(&cli_actor(), first).await.unwrap();
    let site_of =
        |v: &fengkou_app::meetings::MeetingView, p: i64| v.sites.iter().find(|s| s.project_id == p).unwrap().id;
    let err = app.meetings().set_site_formula(&xmb, first, site_of(&view, hb), false, "8", " ").await.unwrap_err();
    assert!(err.to_string().contains("必须写明原因"), "{err}");
    let err = app.meetings().set_site_formula(&xmb, first, site_of(&view, hb), false, "30", "x").await.unwrap_err();
    assert!(err.to_string().contains("扣5到20分"), "{err}");
    app.meetings().set_site_formula(&xmb, first, site_of(&view, tj), true, "0", "").await.unwrap();
    let r = app.meetings().meeting_results(&xmb, first).await.unwrap();
    assert_eq!(r.submitted, 0, "no judges needed");
    // Signed, not under construction: no 续建 points. <1亿 3 + 产业 15 + progress 0 =
    // 18; 天津路 +30 for the start event.
    let got: Vec<(&str, &str)> = r.offices.iter().map(|o| (o.office.as_str(), o.score.as_str())).collect();
    assert_eq!(got, [("天津路办事处", "48.00"), ("湖北路办事处", "18.00")]);
    let items = &app.meetings().meeting_for(&cli_actor(), first).await.unwrap().sites[0].formula_items;
    assert_eq!(items[0], ("未在建（无开工/续建分）".to_string(), "0".to_string()), "{items:?}");
    assert_eq!(r.site_basis, "台账积分");
    app.meetings().release_results(&xmb, first, "").await.unwrap();
    // The formula is published item by item as the ledger stood; later changes
    // show only in the computation for a correction.
    let frozen =
        serde_json::to_value(&app.meetings().meeting_results(&xmb, first).await.unwrap().formula_sites).unwrap();
    assert_eq!(frozen.as_array().unwrap().len(), 2);
    app.meetings().set_site_formula(&xmb, first, site_of(&view, hb), true, "0", "").await.unwrap();
    let after =
        serde_json::to_value(&app.meetings().meeting_results(&xmb, first).await.unwrap().formula_sites).unwrap();
    assert_eq!(after, frozen);
    assert_ne!(
        serde_json::to_value(&app.meetings().draft_results(&xmb, first).await.unwrap().formula_sites).unwrap(),
        frozen
    );

    // Second meeting, a composite: 50% judges, 50% formula, plus a reasoned bonus.
    let second = app.meetings().create_meeting(&xmb, "第三季度观摩", d("2026-09-20")).await.unwrap();
    app.meetings().set_scope(&xmb, second, &two).await.unwrap();
    let mut composite = method("composite", "mean", "mean", "90", "80");
    composite.weight_rubric = "50".into();
    composite.weight_formula = "50".into();
    app.meetings().set_meeting_method(&xmb, second, &composite).await.unwrap();
    // Shown last time: refused; the other projects are fine.
    assert!(matches!(
        app.meetings().add_site(&xmb, second, hb, "").await,
        Err(AppError::Meeting(MeetingError::ShownAtPreviousMeeting { .. }))
    ));
    app.meetings().add_site(&xmb, second, hb2, "").await.unwrap();
    app.meetings().add_site(&xmb, second, tj2, "").await.unwrap();
    assert!(app.meetings().add_adjustment(&xmb, second, ids["湖北路办事处"], "5", " ").await.is_err());
    assert!(app.meetings().add_adjustment(&xmb, second, ids["湖北路办事处"], "99", "太多").await.is_err());
    assert!(matches!(
        app.meetings().add_adjustment(&lead, second, ids["湖北路办事处"], "5", "组织有力").await,
        Err(AppError::Forbidden(_))
    ));
    app.meetings().add_adjustment(&xmb, second, ids["湖北路办事处"], "5", "集中开工活动组织有力").await.unwrap();
    app.meetings().invite_judge(&xmb, second, "lead", None).await.unwrap();
    let view = app.meetings().meeting_for(&cli_actor(), second).await.unwrap();
    assert!(view.needs_rubric && !view.needs_rank);
    let full = |pct: i64| -> Vec<(i64, Decimal)> {
        view.criterion_ids
            .iter()
            .zip(&view.criteria)
            .map(|(id, c)| (*id, c.max * Decimal::from(pct) / Decimal::from(100)))
            .collect()
    };
    // Before the judge submits, the composite has no judges' part: no ranking yet.
    assert!(app.meetings().meeting_results(&xmb, second).await.unwrap().offices.is_empty());
    app.meetings().score_site(&lead, second, site_of(&view, hb2), &full(80), "").await.unwrap();
    app.meetings().score_site(&lead, second, site_of(&view, tj2), &full(60), "").await.unwrap();
    app.meetings().submit_sheet(&lead, second).await.unwrap();
    let r = app.meetings().meeting_results(&xmb, second).await.unwrap();
    // 湖北路: (80 + 18)/2 + 5 = 54; 天津路: (60 + 18)/2 = 39.
    let got: Vec<(&str, &str, Option<&str>, Option<i64>)> =
        r.offices.iter().map(|o| (o.office.as_str(), o.score.as_str(), o.adjustment.as_deref(), o.change)).collect();
    assert_eq!(got, [("湖北路办事处", "54.00", Some("5"), Some(1)), ("天津路办事处", "39.00", None, Some(-1))]);
    assert_eq!(r.previous.as_deref(), Some("第二季度观摩"));
    assert_eq!(r.most_improved, [("湖北路办事处".to_string(), 1)]);

    // Leaders comment at the meeting, before the result is published.
    app.meetings().comment_on_office(&lead, second, ids["天津路办事处"], "天津路要加快进度").await.unwrap();
    assert!(app.meetings().comment_on_office(&lead, second, ids["天津路办事处"], " ").await.is_err());

    // History: only released meetings count.
    let h = app.meetings().meeting_history().await.unwrap();
    assert_eq!(h.meetings.len(), 1);
    app.meetings().release_results(&xmb, second, "").await.unwrap();
    let h = app.meetings().meeting_history().await.unwrap();
    assert_eq!(h.meetings.len(), 2);
    let hb_ranks = &h.offices.iter().find(|(o, _)| o == "湖北路办事处").unwrap().1;
    assert_eq!(hb_ranks, &[Some(2), Some(1)]);

    // Comments on an office appear with the site comments; the bulletin has the
    // problems section, the comments and the most improved.
    let comments = app.meetings().meeting_comments(second).await.unwrap();
    assert_eq!((comments[0].office.as_str(), comments[0].project.as_str()), ("天津路办事处", ""));
    let bytes = app.meetings().meeting_bulletin(&xmb, second).await.unwrap().bytes;
    let text = docx_text(&bytes);
    for expected in ["观摩中发现的问题", "领导点评", "天津路要加快进度", "争先进位", "湖北路办事处（前进1位）"]
    {
        assert!(text.contains(expected), "{expected} missing from the bulletin");
    }
    // Both files open in LibreOffice (standing in for the districts' WPS and Word):
    // the bulletin's text and the ranking sheet come back.
    if db.backend == "sqlite" {
        if let Some(text) = libreoffice_converts(&bytes, "docx", "txt:Text (encoded):UTF8") {
            assert!(text.contains("关于第三季度观摩评比结果的通报") && text.contains("天津路要加快进度"), "{text}");
        }
        let workbook = app.meetings().meeting_workbook(&xmb, second).await.unwrap().bytes;
        if let Some(csv) = libreoffice_converts(&workbook, "xlsx", "csv:Text - txt - csv (StarCalc):44,34,76") {
            assert!(csv.contains("湖北路办事处") && csv.contains("54"), "{csv}");
        }
    }
}

/// The words of a .docx (its document.xml without tags), to check what it says.
fn docx_text(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for c in xml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// Converts a document with LibreOffice (`soffice --headless --convert-to`) and
/// returns the result as text; None when LibreOffice is not installed, which CI does
/// not allow.
fn libreoffice_converts(bytes: &[u8], ext: &str, to: &str) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(format!("doc.{ext}"));
    std::fs::write(&input, bytes).unwrap();
    let profile = format!("-env:UserInstallation=file://{}", dir.path().join("profile").display());
    let out = match std::process::Command::new("soffice")
        .args([profile.as_str(), "--headless", "--convert-to", to, "--outdir"])
        .arg(dir.path())
        .arg(&input)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            assert!(std::env::var("CI").is_err(), "LibreOffice (soffice) missing in CI: {e}");
            return None;
        }
    };
    let extension = to.split(':').next().unwrap();
    let converted = dir.path().join(format!("doc.{extension}"));
    assert!(converted.exists(), "LibreOffice could not open the .{ext}: {}", String::from_utf8_lossy(&out.stderr));
    Some(std::fs::read_to_string(converted).unwrap())
}

#[tokio::test]
async fn a_meeting_may_span_days_and_the_bulletin_says_so() {
    let db = fengkou_testkit::fresh_sqlite();
    let app = app_on(&db.url).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let err =
        app.meetings().create_meeting_spanning(&xmb, "观摩", d("2026-09-26"), Some(d("2026-09-25"))).await.unwrap_err();
    assert!(err.to_string().contains("结束日期"), "{err}");
    let err =
        app.meetings().create_meeting_spanning(&xmb, " ", d("2026-09-26"), Some(d("2026-10-26"))).await.unwrap_err();
    assert!(err.to_string().contains("名称") && err.to_string().contains("不超过15天"), "{err}");
    let m = app.meetings().create_meeting_spanning(&xmb, "观摩", d("2026-09-26"), Some(d("2026-09-27"))).await.unwrap();
    assert_eq!(app.meetings().meeting_for(&cli_actor(), m).await.unwrap().ends_on, Some(d("2026-09-27")));
    let text = docx_text(&app.meetings().meeting_bulletin(&xmb, m).await.unwrap().bytes);
    assert!(text.contains("2026年9月26日至27日，区委、区政府组织开展了观摩"), "{text}");
    assert!(text.contains("尚无已提交的评分，暂无排名。"), "{text}");

    // Renamed and moved to one day; a bad end date changes nothing.
    let leader = login(&app, "lead", Role::Leader, None).await;
    assert!(matches!(
        app.meetings().update_meeting(&leader, m, "x", d("2026-09-26"), None).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(app.meetings().update_meeting(&xmb, m, "改名", d("2026-09-28"), Some(d("2026-09-01"))).await.is_err());
    assert_eq!(app.meetings().meeting_for(&cli_actor(), m).await.unwrap().name, "观摩");
    app.meetings().update_meeting(&xmb, m, "第三季度观摩", d("2026-09-28"), Some(d("2026-09-28"))).await.unwrap();
    let view = app.meetings().meeting_for(&cli_actor(), m).await.unwrap();
    assert_eq!((view.name.as_str(), view.held_on, view.ends_on), ("第三季度观摩", Some(d("2026-09-28")), None));

    // An invitation is withdrawn while the judge has entered nothing, not after.
    let p = app.projects().create_project(&xmb, &header("湖北路一号项目", "湖北路办事处")).await.unwrap();
    app.meetings().add_site(&xmb, m, p, "").await.unwrap();
    app.meetings().invite_judge(&xmb, m, "lead", None).await.unwrap();
    let judge = app.meetings().meeting_for(&cli_actor(), m).await.unwrap().judges[0].id;
    app.meetings().remove_judge(&xmb, m, judge).await.unwrap();
    assert!(app.meetings().meeting_for(&cli_actor(), m).await.unwrap().judges.is_empty());
    app.meetings().invite_judge(&xmb, m, "lead", None).await.unwrap();
    let view = app.meetings().meeting_for(&cli_actor(), m).await.unwrap();
    let scores: Vec<(i64, Decimal)> = view.criterion_ids.iter().map(|c| (*c, Decimal::ONE)).collect();
    app.meetings().score_site(&leader, m, view.sites[0].id, &scores, "").await.unwrap();
    let err = app.meetings().remove_judge(&xmb, m, view.judges[0].id).await.unwrap_err();
    assert!(matches!(err, AppError::Meeting(MeetingError::JudgeHasScored { .. })), "{err}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_rubric_is_the_project_offices_until_judges_score(#[case] backend: Backend) {
    use fengkou_app::meetings::CriterionLine;
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let lead = login(&app, "lead", Role::Leader, None).await;
    let p = app.projects().create_project(&xmb, &header("湖北路一号项目", "湖北路办事处")).await.unwrap();
    let m = app.meetings().create_meeting(&xmb, "细则观摩", d("2026-11-20")).await.unwrap();
    let line = |name: &str, weight: &str, max: &str| CriterionLine {
        name: name.into(),
        weight: weight.into(),
        max: max.into(),
    };
    assert!(matches!(
        app.meetings().set_rubric(&lead, m, &[line("进度", "100", "")]).await,
        Err(AppError::Forbidden(_))
    ));
    // Every problem at once, named by row; nothing saved.
    let err = app
        .meetings()
        .set_rubric(&xmb, m, &[line("进度", "60", ""), line("进度", "x", ""), line("", "", ""), line("", "10", "")])
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("第2项“进度”与前面重复") && text.contains("第2项的“x”") && text.contains("第3项的名称"),
        "{text}"
    );
    assert_eq!(
        app.meetings().meeting_for(&cli_actor(), m).await.unwrap().criteria.len(),
        6,
        "the default rubric stays"
    );
    let err = app.meetings().set_rubric(&xmb, m, &[line("进度", "60", ""), line("质量", "30", "")]).await.unwrap_err();
    assert!(err.to_string().contains("各项权重之和须为100"), "{err}");
    // Weights add to 100; a criterion may be scored out of 10 while weighing 40.
    app.meetings().set_rubric(&xmb, m, &[line("进度", "60", ""), line("质量", "40", "10")]).await.unwrap();
    let view = app.meetings().meeting_for(&cli_actor(), m).await.unwrap();
    let got: Vec<(String, String, String)> = view
        .criteria
        .iter()
        .map(|c| (c.name.clone(), c.weight.normalize().to_string(), c.max.normalize().to_string()))
        .collect();
    assert_eq!(got, [("进度".into(), "60".into(), "60".into()), ("质量".into(), "40".into(), "10".into())]);

    // Once a judge has scored, the rubric stays.
    app.meetings().add_site(&xmb, m, p, "").await.unwrap();
    app.meetings().invite_judge(&xmb, m, "lead", None).await.unwrap();
    let view = app.meetings().meeting_for(&cli_actor(), m).await.unwrap();
    let scores: Vec<(i64, Decimal)> =
        view.criterion_ids.iter().zip([Decimal::from(54), Decimal::from(8)]).map(|(id, s)| (*id, s)).collect();
    app.meetings().score_site(&lead, m, view.sites[0].id, &scores, "").await.unwrap();
    let err = app.meetings().set_rubric(&xmb, m, &[line("进度", "100", "")]).await.unwrap_err();
    assert!(matches!(err, AppError::Meeting(MeetingError::CriteriaFixedByScores)), "{err}");
    app.meetings().submit_sheet(&lead, m).await.unwrap();
    // 60 × 54/60 + 40 × 8/10 = 54 + 32 = 86.
    assert_eq!(app.meetings().meeting_results(&xmb, m).await.unwrap().offices[0].score, "86.00");
}
