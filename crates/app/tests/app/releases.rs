//! Meeting results that stay as published, declines that count, conflicts that add up,
//! nothing seen before release, bands that fit the method, the bulletin's 文号.

use super::*;
use fengkou_app::meetings::{MethodSettings, ScopeLine};
use rust_decimal::Decimal;

/// A rubric meeting of two offices' sites with two judges from a third office.
struct Setup {
    app: App,
    xmb: Actor,
    judges: [Actor; 2],
    meeting: i64,
    sites: Vec<i64>,
    projects: Vec<i64>,
}

async fn setup(url: &str) -> Setup {
    let app = app_on(url).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let j1 = login(&app, "j1", Role::OfficeUser, Some("长春路办事处")).await;
    let j2 = login(&app, "j2", Role::Leader, None).await;
    let mut projects = Vec::new();
    for (name, office) in [("湖北路一号", "湖北路办事处"), ("天津路一号", "天津路办事处")] {
        let h = ProjectHeader {
            stage: Some(Stage::Building),
            actual_start: Some(LedgerDate::day(d("2026-02-01"))),
            ..header(name, office)
        };
        projects.push(app.projects().create_project(&xmb, &h).await.unwrap());
    }
    let meeting = app.meetings().create_meeting(&xmb, "第四季度观摩", d("2026-11-20")).await.unwrap();
    for p in &projects {
        app.meetings().add_site(&xmb, meeting, *p, "").await.unwrap();
    }
    app.meetings().invite_judge(&xmb, meeting, "j1", None).await.unwrap();
    app.meetings().invite_judge(&xmb, meeting, "j2", None).await.unwrap();
    let sites = app.meetings().meeting_for(&cli_actor(), meeting).await.unwrap().sites.iter().map(|s| s.id).collect();
    Setup { app, xmb, judges: [j1, j2], meeting, sites, projects }
}

fn scores(app_view: &fengkou_app::meetings::MeetingView, pct: i64) -> Vec<(i64, Decimal)> {
    app_view
        .criterion_ids
        .iter()
        .zip(&app_view.criteria)
        .map(|(id, c)| (*id, c.max * Decimal::from(pct) / Decimal::from(100)))
        .collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_released_result_never_changes_and_a_correction_is_a_new_version(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let Setup { app, xmb, judges: [j1, j2], meeting: m, sites, projects } = setup(&db.url).await;
    let view = app.meetings().meeting_for(&cli_actor(), m).await.unwrap();
    for (judge, pcts) in [(&j1, [90, 70]), (&j2, [80, 60])] {
        for (site, pct) in sites.iter().zip(pcts) {
            app.meetings().score_site(judge, m, *site, &scores(&view, pct), "").await.unwrap();
        }
    }
    app.meetings().submit_sheet(&j1, m).await.unwrap();
    // One judge has not submitted: release needs a reason, and the bulletin says N/M.
    let err = app.meetings().release_results(&xmb, m, "").await.unwrap_err();
    assert!(
        matches!(&err, AppError::Meeting(MeetingError::JudgesWaiting { waiting, total: 2 }) if waiting == &["j2"]),
        "{err}"
    );
    assert!(err.to_string().contains("1/2名评委未提交（j2）"), "the message counts and names them: {err}");
    app.meetings().submit_sheet(&j2, m).await.unwrap();
    assert!(matches!(app.meetings().release_results(&j1, m, "").await, Err(AppError::Forbidden(_))));
    assert_eq!(app.meetings().release_results(&xmb, m, "").await.unwrap(), 1);

    let viewer = login(&app, "viewer", Role::Viewer, None).await;
    let published = serde_json::to_value(app.meetings().meeting_results(&viewer, m).await.unwrap()).unwrap();
    let bulletin = app.meetings().meeting_bulletin(&viewer, m).await.unwrap();
    let workbook = app.meetings().meeting_workbook(&viewer, m).await.unwrap().bytes;
    let history = serde_json::to_value(app.meetings().meeting_history().await.unwrap()).unwrap();
    assert_eq!(bulletin.filename, "第四季度观摩（2026-11-20）通报.docx");
    let text = ledger_text(&bulletin.bytes);
    assert!(text.contains("2/2名评委已提交") && !text.contains("草稿"), "{text}");

    // Afterwards: a report, an edit, a bonus, another aggregation, a comment.
    app.reports().open_period(&xmb, Month::new(2026, 10).unwrap(), d("2026-11-30")).await.unwrap();
    let input = ReportInput {
        month: Month::new(2026, 10).unwrap(),
        completed: Wan::from_wan(1000),
        progress: "主体封顶".into(),
        problems: "用地待批".into(),
        help_needed: String::new(),
        photos: vec![],
    };
    app.reports().submit_report(&xmb, projects[0], input).await.unwrap();
    let offices: std::collections::HashMap<String, i64> =
        app.offices().await.unwrap().into_iter().map(|o| (o.name, o.id)).collect();
    app.meetings().add_adjustment(&xmb, m, offices["天津路办事处"], "20", "追加奖励").await.unwrap();
    let settings = MethodSettings {
        method: "rubric".into(),
        aggregate: "zscore".into(),
        combination: "sum".into(),
        rank_step: "3".into(),
        weight_rubric: "100".into(),
        weight_rank: "0".into(),
        weight_formula: "0".into(),
        excellent_from: "50".into(),
        good_from: "40".into(),
        ..Default::default()
    };
    // The method, the plan and the dates of a released meeting stay as published.
    let err = app.meetings().set_meeting_method(&xmb, m, &settings).await.unwrap_err();
    assert!(matches!(err, AppError::Meeting(MeetingError::Released)), "{err}");
    assert!(app.meetings().update_meeting(&xmb, m, "改名", d("2026-10-01"), None).await.is_err());
    assert!(app.meetings().remove_site(&xmb, m, sites[0]).await.is_err());
    app.meetings().comment_on_office(&j2, m, offices["天津路办事处"], "发布后的点评").await.unwrap();

    // The published result, its bulletin and workbook, the history: byte for byte.
    assert_eq!(serde_json::to_value(app.meetings().meeting_results(&viewer, m).await.unwrap()).unwrap(), published);
    assert_eq!(app.meetings().meeting_bulletin(&viewer, m).await.unwrap().bytes, bulletin.bytes, "{}", db.backend);
    assert_eq!(app.meetings().meeting_workbook(&viewer, m).await.unwrap().bytes, workbook);
    assert_eq!(serde_json::to_value(app.meetings().meeting_history().await.unwrap()).unwrap(), history);
    // The computation now differs: a correction needs a reason and is version 2.
    let draft = app.meetings().draft_results(&xmb, m).await.unwrap();
    assert_ne!(serde_json::to_value(&draft.offices).unwrap(), published["offices"]);
    assert!(app.meetings().release_results(&xmb, m, "").await.is_err());
    assert!(matches!(app.meetings().draft_results(&viewer, m).await, Err(AppError::Forbidden(_))));
    assert_eq!(app.meetings().release_results(&xmb, m, "补记集中开工奖励").await.unwrap(), 2);
    let corrected = app.meetings().meeting_results(&viewer, m).await.unwrap();
    let publication = corrected.published.as_ref().unwrap();
    assert_eq!((publication.version, publication.reason.as_str()), (2, "补记集中开工奖励"));
    assert_eq!(publication.versions.len(), 2);
    // The first version stays downloadable as it was published.
    assert_eq!(app.meetings().published_file(m, 1, false).await.unwrap().bytes, bulletin.bytes);
    let file = app.meetings().meeting_bulletin(&viewer, m).await.unwrap();
    assert!(file.filename.contains("更正第2版"), "{}", file.filename);
    assert!(ledger_text(&file.bytes).contains("更正原因：补记集中开工奖励"));
    // Nothing changed since: no third version.
    assert!(matches!(
        app.meetings().release_results(&xmb, m, "再发一次").await,
        Err(AppError::Meeting(MeetingError::CorrectionUnchanged))
    ));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_declined_site_is_not_scored_by_that_judge_and_conflicts_add_up(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let Setup { app, xmb, judges: [j1, j2], meeting: m, sites, .. } = setup(&db.url).await;
    let view = app.meetings().meeting_for(&cli_actor(), m).await.unwrap();
    app.meetings().score_site(&j1, m, sites[0], &scores(&view, 10), "").await.unwrap();
    // Declining removes the judge's scores and blocks scoring the site later.
    app.meetings().decline_site(&j1, m, sites[0], "曾在该企业任职").await.unwrap();
    let err = app.meetings().score_site(&j1, m, sites[0], &scores(&view, 10), "").await.unwrap_err();
    assert!(matches!(err, AppError::Meeting(MeetingError::SiteDeclined)), "{err}");
    let ballots = app.meetings().meeting_ballots(&xmb, m).await.unwrap();
    assert!(ballots.scores.iter().all(|s| !(s.judge == "j1" && s.site_id == sites[0])), "scores removed");
    // A decline by mistake can be taken back before submitting, and made again.
    app.meetings().withdraw_decline(&j1, m, sites[0]).await.unwrap();
    app.meetings().score_site(&j1, m, sites[0], &scores(&view, 10), "").await.unwrap();
    app.meetings().decline_site(&j1, m, sites[0], "曾在该企业任职").await.unwrap();
    app.meetings().score_site(&j1, m, sites[1], &scores(&view, 70), "").await.unwrap();
    app.meetings().submit_sheet(&j1, m).await.unwrap();
    for (site, pct) in sites.iter().zip([90, 60]) {
        app.meetings().score_site(&j2, m, *site, &scores(&view, pct), "").await.unwrap();
    }
    app.meetings().submit_sheet(&j2, m).await.unwrap();
    let r = app.meetings().meeting_results(&xmb, m).await.unwrap();
    // 湖北路: j2's 90 alone; 天津路: (70 + 60) / 2 = 65.
    let got: Vec<(&str, &str)> = r.offices.iter().map(|o| (o.office.as_str(), o.score.as_str())).collect();
    assert_eq!(got, [("湖北路办事处", "90.00"), ("天津路办事处", "65.00")]);
    let book = app.meetings().meeting_workbook(&xmb, m).await.unwrap().bytes;
    assert!(xlsx_strings(&book).contains("回避：曾在该企业任职"), "the workbook marks the decline");

    // A declared conflict is added to the judge's own office, never replaces it.
    let m2 = app.meetings().create_meeting(&xmb, "第二场", d("2026-11-21")).await.unwrap();
    app.meetings().invite_judge(&xmb, m2, "j1", Some("湖北路办事处")).await.unwrap();
    let judge = app.meetings().meeting_for(&cli_actor(), m2).await.unwrap().judges[0].clone();
    assert_eq!(
        (judge.own_office.as_deref(), judge.declared_office.as_deref()),
        (Some("长春路办事处"), Some("湖北路办事处"))
    );
    let sheet = app.meetings().score_sheet(&j1, m2).await.unwrap();
    let ranked: Vec<&str> = sheet.ranking.iter().map(|r| r.office.as_str()).collect();
    assert!(!ranked.contains(&"长春路办事处") && !ranked.contains(&"湖北路办事处"), "{ranked:?}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn nothing_is_seen_before_release(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let Setup { app, xmb, judges: [j1, _], meeting: m, sites, projects } = setup(&db.url).await;
    let hb = login(&app, "hb", Role::OfficeUser, Some("湖北路办事处")).await;
    let tj = login(&app, "tj", Role::OfficeUser, Some("天津路办事处")).await;
    let viewer = login(&app, "viewer", Role::Viewer, None).await;
    let admin = login(&app, "admin", Role::Admin, None).await;
    let view = app.meetings().meeting_for(&cli_actor(), m).await.unwrap();
    app.meetings().score_site(&j1, m, sites[0], &scores(&view, 77), "").await.unwrap();
    app.meetings().set_site_formula(&xmb, m, sites[0], true, "10", "通报批评").await.unwrap();
    let offices: std::collections::HashMap<String, i64> =
        app.offices().await.unwrap().into_iter().map(|o| (o.name, o.id)).collect();
    app.meetings().add_adjustment(&xmb, m, offices["湖北路办事处"], "3", "组织有力").await.unwrap();

    for who in [&hb, &viewer, &j1, &admin] {
        let seen = app.meetings().meeting_for(who, m).await.unwrap();
        assert!(seen.redacted, "{}", who.username);
        assert!(seen.adjustments.is_empty() && seen.sites.iter().all(|s| s.formula_items.is_empty()));
        assert!(seen.sites.iter().all(|s| s.penalty.is_empty() && s.penalty_reason.is_empty()));
        assert!(
            matches!(app.meetings().meeting_results(who, m).await, Err(AppError::Forbidden(_))),
            "{}",
            who.username
        );
        assert!(matches!(app.meetings().meeting_bulletin(who, m).await, Err(AppError::Forbidden(_))));
        assert!(matches!(app.meetings().meeting_ballots(who, m).await, Err(AppError::Forbidden(_))));
    }
    let full = app.meetings().meeting_for(&xmb, m).await.unwrap();
    assert!(!full.redacted && !full.adjustments.is_empty());
    // The project page's audit trail: no scores, penalties or bonuses for the office.
    let trail = app.audit().project_audit(&hb, projects[0]).await.unwrap();
    let secret = |a: &fengkou_app::audit::AuditEntry| {
        a.entity_label == "评委评分"
            || a.entity_label == "加减分"
            || (a.entity_label == "观摩点" && a.action == "update")
    };
    assert!(!trail.iter().any(secret), "{trail:?}");
    let trail = app.audit().project_audit(&xmb, projects[0]).await.unwrap();
    assert!(trail.iter().any(|a| a.entity_label == "评委评分"));
    // The administrator's whole trail shows that a score was entered, not the score.
    let (rows, _) = app.audit().audit_log(&admin, &Default::default(), 1).await.unwrap();
    let score = rows.iter().find(|a| a.entity_label == "评委评分").unwrap();
    assert!(score.changes.is_empty() && score.note.contains("只对项目办和区领导显示"), "{score:?}");

    // Meeting photos: judges, the project office, leaders and the site's own office.
    let photo = {
        use fengkou_storage::entity::photo;
        use sea_orm::{ActiveModelTrait, Set};
        let db = sea_orm::Database::connect(&db.url).await.unwrap();
        photo::ActiveModel {
            project_id: Set(projects[0]),
            report_id: Set(None),
            filename: Set("现场.jpg".into()),
            content_type: Set("image/jpeg".into()),
            data: Set(vec![0xFF, 0xD8, 0xFF, 0xE0]),
            uploaded_by: Set("hb".into()),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&db)
        .await
        .unwrap()
        .id
    };
    for (who, allowed) in [(&j1, true), (&xmb, true), (&hb, true), (&tj, false), (&viewer, false), (&admin, false)] {
        assert_eq!(app.meetings().meeting_photo(who, m, photo).await.is_ok(), allowed, "{}", who.username);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bands_fit_the_method_and_the_bulletin_number_is_a_yearly_series(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let lead = login(&app, "lead", Role::Leader, None).await;
    let ids: std::collections::HashMap<String, i64> =
        app.offices().await.unwrap().into_iter().map(|o| (o.name, o.id)).collect();
    let m = app.meetings().create_meeting(&xmb, "排名观摩", d("2026-11-20")).await.unwrap();
    let five = ["湖北路办事处", "天津路办事处", "长春路办事处", "工农办事处", "瀛洲办事处"];
    let scope: Vec<ScopeLine> = ids
        .iter()
        .map(|(n, id)| ScopeLine { office_id: *id, taking_part: five.contains(&n.as_str()), group: String::new() })
        .collect();
    app.meetings().set_scope(&xmb, m, &scope).await.unwrap();
    // Rank ballots without a choice of bands: shares of the ranking.
    let settings = MethodSettings {
        method: "rank_ballot".into(),
        aggregate: "mean".into(),
        combination: "mean".into(),
        rank_step: "3".into(),
        weight_rubric: "0".into(),
        weight_rank: "0".into(),
        weight_formula: "0".into(),
        excellent_from: "90".into(),
        good_from: "80".into(),
        ..Default::default()
    };
    app.meetings().set_meeting_method(&xmb, m, &settings).await.unwrap();
    app.meetings().invite_judge(&xmb, m, "lead", None).await.unwrap();
    let ballot: Vec<(i64, i32)> = five.iter().enumerate().map(|(i, n)| (ids[*n], i as i32 + 1)).collect();
    app.meetings().save_ranking(&lead, m, &ballot).await.unwrap();
    app.meetings().submit_sheet(&lead, m).await.unwrap();
    let r = app.meetings().meeting_results(&xmb, m).await.unwrap();
    // Scores 100, 97, 94, 91, 88: cut-offs of 90 would call four 优秀; 30 % is one.
    let bands: Vec<&str> = r.offices.iter().map(|o| o.band.as_str()).collect();
    assert_eq!(bands, ["优秀", "良好", "良好", "一般", "一般"], "{}", r.banding);
    assert!(r.banding.contains("名次前30%为优秀"));

    // 文号: a per-year series; the next meeting gets the next number; a number is
    // used once a year; editable until release; an unreleased bulletin is a draft.
    let second = app.meetings().create_meeting(&xmb, "第二场", d("2026-12-01")).await.unwrap();
    let (first_view, second_view) = (
        app.meetings().meeting_for(&cli_actor(), m).await.unwrap(),
        app.meetings().meeting_for(&cli_actor(), second).await.unwrap(),
    );
    assert_eq!(
        (first_view.doc_number.as_str(), second_view.doc_number.as_str()),
        ("区项指办〔2026〕1号", "区项指办〔2026〕2号")
    );
    let err = app.meetings().set_doc_number(&xmb, second, "区项指办", 1).await.unwrap_err();
    assert!(err.to_string().contains("已用于“排名观摩”"), "{err}");
    app.meetings().set_doc_number(&xmb, m, "区项指办", 12).await.unwrap();
    let draft = app.meetings().meeting_bulletin(&xmb, m).await.unwrap();
    assert_eq!(draft.filename, "排名观摩（2026-11-20）通报（草稿）.docx");
    let text = ledger_text(&draft.bytes);
    assert!(text.contains("草稿") && text.contains("区项指办〔2026〕12号"), "{text}");
    app.meetings().release_results(&xmb, m, "").await.unwrap();
    assert!(app.meetings().set_doc_number(&xmb, m, "区项指办", 13).await.is_err(), "fixed at release");
    let published = ledger_text(&app.meetings().meeting_bulletin(&lead, m).await.unwrap().bytes);
    assert!(published.contains("区项指办〔2026〕12号") && !published.contains("草稿"));
}

/// The words of a .docx.
fn ledger_text(bytes: &[u8]) -> String {
    zip_text(bytes, "word/document.xml")
}

/// The shared strings of a .xlsx.
fn xlsx_strings(bytes: &[u8]) -> String {
    zip_text(bytes, "xl/sharedStrings.xml")
}

fn zip_text(bytes: &[u8], member: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name(member).unwrap().read_to_string(&mut xml).unwrap();
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

/// One judge's writes sent at once (a double tap on a phone, two devices): the
/// scores all save (the later ones update the first), the sheet is submitted once,
/// with one audit entry, and nothing fails on a duplicate key.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn one_judges_writes_at_once_take_turns(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let Setup { app, judges: [j1, _], meeting: m, sites, .. } = setup(&db.url).await;
    let view = app.meetings().meeting_for(&cli_actor(), m).await.unwrap();
    let mut writes = tokio::task::JoinSet::new();
    for pct in 60..68 {
        let (app, j1, site, scores) = (app.clone(), j1.clone(), sites[0], scores(&view, pct));
        writes.spawn(async move { app.meetings().score_site(&j1, m, site, &scores, "").await });
    }
    while let Some(done) = writes.join_next().await {
        done.unwrap().unwrap();
    }
    app.meetings().score_site(&j1, m, sites[1], &scores(&view, 50), "").await.unwrap();
    let mut submits = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (app, j1) = (app.clone(), j1.clone());
        submits.spawn(async move { app.meetings().submit_sheet(&j1, m).await });
    }
    while let Some(done) = submits.join_next().await {
        done.unwrap().unwrap();
    }
    let conn = sea_orm::Database::connect(&db.url).await.unwrap();
    let count = |sql: &'static str| {
        let conn = conn.clone();
        async move {
            use sea_orm::ConnectionTrait;
            let row = conn.query_one_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql)).await;
            row.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap()
        }
    };
    let per_criterion = view.criterion_ids.len() as i64;
    assert_eq!(
        count("SELECT COUNT(*) FROM meeting_scores WHERE site_id IN (SELECT id FROM meeting_sites)").await,
        2 * per_criterion
    );
    assert_eq!(count("SELECT COUNT(*) FROM audit_log WHERE action = 'submit'").await, 1, "{}", db.backend);
}
