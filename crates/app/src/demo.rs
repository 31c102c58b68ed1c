//! The demo district: the 3+1+1 industries of the speech, its 办事处, the projects the
//! speech names and invented ones, with a year of monthly reports. Generated from a fixed
//! seed so that every start shows the same district. Every demo project is marked.

use crate::projects::{insert_problem, insert_project_for_year, record_stage};
use crate::reports::update_year_completed;
use crate::{App, Result};
use chrono::{Datelike, Duration, NaiveDate};
use fengkou_domain::Permit;
use fengkou_domain::campaign::BatchList;
use fengkou_domain::dates::LedgerDate;
use fengkou_domain::period::PeriodStatus;
use fengkou_domain::project::ProjectHeader;
use fengkou_domain::{Month, Role, Stage, Wan};
use fengkou_storage::entity::{batch, batch_item, industry, office, period, project, report};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

pub const OFFICES: [&str; 10] = [
    "湖北路办事处",
    "天津路办事处",
    "长春路办事处",
    "南昌路办事处",
    "长安路办事处",
    "重庆路办事处",
    "郑州路办事处",
    "武汉路办事处",
    "工农办事处",
    "瀛洲办事处",
];

/// (name, ledger section). The first five are the speech's 3+1+1.
pub const INDUSTRIES: [(&str, &str); 7] = [
    ("智能制造", "产业项目"),
    ("电子信息", "产业项目"),
    ("新材料", "产业项目"),
    ("生物医药", "产业项目"),
    ("文旅文创", "产业项目"),
    ("基础设施", "基础设施项目"),
    ("社会民生", "社会民生项目"),
];

/// Demo accounts: (username, role, office, password).
pub const DEMO_USERS: [(&str, Role, Option<&str>, &str); 7] = [
    ("admin", Role::Admin, None, "fengkou-admin"),
    ("leader", Role::Leader, None, "fengkou-leader"),
    ("xmb", Role::ProjectOffice, None, "fengkou-xmb"),
    ("hubeilu", Role::OfficeUser, Some("湖北路办事处"), "fengkou-office"),
    ("tianjinlu", Role::OfficeUser, Some("天津路办事处"), "fengkou-office"),
    ("viewer", Role::Viewer, None, "fengkou-viewer"),
    ("kjj", Role::TechBureau, None, "fengkou-kjj"),
];

/// Projects the speech names: (name, industry, total 万元, owner).
const NAMED: [(&str, &str, i64, &str); 13] = [
    ("卓阳兴业城", "智能制造", 150_000, "卓阳集团"),
    ("清洛基地", "电子信息", 52_000, "清华大学天津高端装备研究院洛阳先进制造产业研发基地"),
    ("智能制造及大数据双创智慧岛", "智能制造", 38_000, "区城投公司"),
    ("东旭氢能电机产业园", "智能制造", 120_000, "东旭集团"),
    ("国威科创锂电池PACK包", "新材料", 60_000, "国威科创"),
    ("中科慧远总部基地", "电子信息", 45_000, "中科慧远"),
    ("信息技术产业园", "电子信息", 200_000, "河南信产投"),
    ("新材料和智能制造科创小镇", "新材料", 180_000, "区城投公司"),
    ("中航光电新能源及液冷产业基地", "电子信息", 95_000, "中航光电"),
    ("普莱柯生物疫苗产业化项目", "生物医药", 48_000, "普莱柯生物"),
    ("麦斯克电子大尺寸硅片项目", "电子信息", 110_000, "麦斯克电子"),
    ("一拖国家农机装备创新中心", "智能制造", 66_000, "中国一拖"),
    ("中信重工消防机器人产业园", "智能制造", 35_000, "中信重工"),
];

const PREFIXES: [&str; 24] = [
    "洛阳", "涧西", "中原", "河洛", "伊滨", "西苑", "周山", "丰华", "创新", "龙门", "牡丹", "嵩岳", "华夏", "恒瑞",
    "金鼎", "瑞光", "宏达", "天元", "博源", "锦程", "鼎新", "凯盛", "中汇", "新洛",
];

const SUBJECTS: [(&str, &[&str]); 7] = [
    (
        "智能制造",
        &[
            "智能装备产业园",
            "工业机器人生产线",
            "高端轴承智能工厂",
            "数控机床产业化项目",
            "智能农机研发基地",
            "精密减速器项目",
        ],
    ),
    (
        "电子信息",
        &["数据中心", "半导体封测项目", "5G通信模组基地", "软件产业园", "智能传感器项目", "光电连接器扩产项目"],
    ),
    ("新材料", &["高性能钨钼材料项目", "耐火材料产业园", "碳纤维复合材料项目", "新型储能材料基地", "铜基新材料项目"]),
    ("生物医药", &["生物疫苗产业园", "医疗器械产业化项目", "中药现代化项目", "动物保健品基地"]),
    ("文旅文创", &["文化创意街区", "工业遗产文旅项目", "数字文创产业园", "研学旅游基地"]),
    ("基础设施", &["快速路改造工程", "污水处理厂扩建", "智慧停车项目", "城市更新片区", "管网改造工程", "公交枢纽"]),
    ("社会民生", &["人民医院新院区", "中学新建项目", "养老服务中心", "保障性住房项目", "社区服务综合体"]),
];

const PROGRESS: [&str; 8] = [
    "主体结构施工，完成三层楼板浇筑",
    "厂房钢结构吊装完成70%",
    "设备基础施工，部分设备已进场",
    "土方开挖完成，桩基施工中",
    "室内装修及机电安装",
    "生产线调试，计划下月试生产",
    "外立面施工，屋面防水完成",
    "场地平整完成，办理施工许可",
];

const PROBLEMS: [(&str, &str); 6] = [
    ("施工用电增容尚未批复", "请区发改委协调供电公司加快办理"),
    ("部分地块征迁未完成", "请办事处加快征迁进度"),
    ("建设资金到位不足", "协调金融机构提供项目贷款"),
    ("环评批复延迟", "请生态环境分局提前介入指导"),
    ("规划调整待审批", "请自然资源局加快审批"),
    ("雨季影响施工进度", ""),
];

const LEADERS: [&str; 8] = ["王建国", "李明", "张卫东", "刘晓燕", "陈志强", "杨帆", "赵立新", "周敏"];

/// Creates the demo district's offices and the industries if missing.
pub async fn ensure_reference_data(app: &App) -> Result<()> {
    if office::Entity::find().count(&app.db).await? == 0 {
        for (i, name) in OFFICES.iter().enumerate() {
            office::ActiveModel { name: Set(name.to_string()), sort_order: Set(i as i32), ..Default::default() }
                .insert(&app.db)
                .await?;
        }
    }
    ensure_industries(app).await
}

/// The industries are the district's 3+1+1 plus infrastructure and social projects;
/// every start makes sure they exist (offices, which differ by district, do not).
pub async fn ensure_industries(app: &App) -> Result<()> {
    if industry::Entity::find().count(&app.db).await? == 0 {
        for (i, (name, cat)) in INDUSTRIES.iter().enumerate() {
            industry::ActiveModel {
                name: Set(name.to_string()),
                category: Set(cat.to_string()),
                sort_order: Set(i as i32),
                ..Default::default()
            }
            .insert(&app.db)
            .await?;
        }
    }
    Ok(())
}

fn clamp_past(d: NaiveDate, today: NaiveDate) -> NaiveDate {
    d.min(today - Duration::days(1))
}

impl App {
    /// Whether any demo data is present (the UI then says so).
    pub async fn has_demo_data(&self) -> Result<bool> {
        use sea_orm::{ColumnTrait, QueryFilter};
        Ok(project::Entity::find().filter(project::Column::Demo.eq(true)).one(&self.db).await?.is_some())
    }

    /// Loads the demo district unless projects already exist. Returns whether it did.
    pub async fn seed_demo(&self) -> Result<bool> {
        ensure_reference_data(self).await?;
        if project::Entity::find().count(&self.db).await? > 0 {
            return Ok(false);
        }
        for (username, role, office, password) in DEMO_USERS {
            if !self.has_user(username).await? {
                self.accounts().add_user(None, username, role.label(), role, office, password).await?;
            }
        }
        let today = self.today();
        let year = today.year();
        let current = Month::of(today).prev();
        let mut rng = StdRng::seed_from_u64(20_261_125);
        let offices = self.offices().await?;
        let industries = self.industries().await?;
        let mut txn = self.write(Permit::system("demo")).await?;

        // Periods: January through last month; the last one still open.
        let mut m = Month::new(year, 1).unwrap_or(current);
        while m <= current {
            period::ActiveModel {
                year: Set(m.year),
                month: Set(m.month as i32),
                deadline: Set(Some(m.next().first_day() + Duration::days(9))),
                status: Set(if m == current { PeriodStatus::Open } else { PeriodStatus::Closed }.into()),
                created_at: Set(txn.now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            m = m.next();
        }

        let mut specs: Vec<(String, String, i64, String)> =
            NAMED.iter().map(|(n, i, t, o)| (n.to_string(), i.to_string(), *t, o.to_string())).collect();
        let mut used: std::collections::HashSet<String> = specs.iter().map(|s| s.0.clone()).collect();
        while specs.len() < 110 {
            let (ind, subjects) = SUBJECTS.choose(&mut rng).copied().unwrap_or(SUBJECTS[0]);
            let name = format!(
                "{}{}",
                PREFIXES.choose(&mut rng).unwrap_or(&"洛阳"),
                subjects.choose(&mut rng).unwrap_or(&"项目")
            );
            if used.insert(name.clone()) {
                let total = rng.random_range(3_000..150_000) / 100 * 100;
                specs.push((name, ind.to_string(), total, String::new()));
            }
        }

        // (project, list, date) for the campaign batches below.
        let mut milestones: Vec<(i64, BatchList, NaiveDate)> = Vec::new();
        for (i, (name, ind, total, owner)) in specs.into_iter().enumerate() {
            // Uneven on purpose: "各办事处项目建设极不均衡".
            let office = &offices[(i * 7 + i * i / 5) % offices.len().max(1)];
            let office = if i % 5 == 0 { &offices[0] } else { office };
            let industry = industries.iter().find(|x| x.name == ind).unwrap_or(&industries[0]);
            let target = match rng.random_range(0..100) {
                0..8 => Stage::Planning,
                8..16 => Stage::Negotiating,
                16..28 => Stage::Signed,
                28..38 => Stage::Started,
                38..78 => Stage::Building,
                78..93 => Stage::Producing,
                _ => Stage::FullProduction,
            };
            let signed_on = clamp_past(today - Duration::days(rng.random_range(120..800)), today);
            let start_on = clamp_past(signed_on + Duration::days(rng.random_range(20..150)), today);
            let produce_on = clamp_past(start_on + Duration::days(rng.random_range(200..500)), today);
            let annual = Wan::from_wan((total * rng.random_range(15..45) / 100).max(500));
            let planned_start =
                if target.is_started() { start_on } else { today + Duration::days(rng.random_range(-150..200)) };
            let header = ProjectHeader {
                code: Some(format!("FK{year}-{:03}", i + 1)),
                name,
                office: office.name.clone(),
                industry: industry.name.clone(),
                stage: Some(if target >= Stage::Signed { Stage::Signed } else { target }),
                location: format!("{}辖区", office.name.trim_end_matches("办事处")),
                content: format!(
                    "总建筑面积约{}万平方米，建设{}相关生产及配套设施",
                    rng.random_range(2..30),
                    industry.name
                ),
                leader: LEADERS.choose(&mut rng).unwrap_or(&"王建国").to_string(),
                responsible_unit: if industry.category == "产业项目" { "区工信局" } else { "区住建局" }.to_string(),
                owner_unit: if owner.is_empty() { format!("{}有限公司", &header_name_stub(i)) } else { owner },
                total_investment: Wan::from_wan(total),
                annual_plan: if target >= Stage::Signed { annual } else { Wan::ZERO },
                planned_start: Some(LedgerDate::day(planned_start)),
                planned_finish: Some(LedgerDate::day(planned_start + Duration::days(rng.random_range(365..1100)))),
                actual_start: None,
                actual_finish: None,
            };
            let id =
                insert_project_for_year(&mut txn, &header, office.id, industry.id, Some(signed_on), year, true).await?;
            let mut p = project::Entity::find_by_id(id).one(&txn).await?.ok_or(crate::AppError::NotFound("项目"))?;
            for (stage, date) in [
                (Stage::Started, start_on),
                (Stage::Building, start_on + Duration::days(15)),
                (Stage::Producing, produce_on),
                (Stage::FullProduction, produce_on + Duration::days(90)),
            ] {
                if stage <= target {
                    record_stage(&mut txn, &p, stage, clamp_past(date, today), "").await?;
                    p = project::Entity::find_by_id(id).one(&txn).await?.ok_or(crate::AppError::NotFound("项目"))?;
                }
            }
            if target >= Stage::Signed {
                milestones.push((id, BatchList::Sign, signed_on));
            }
            if target.is_started() {
                milestones.push((id, BatchList::Start, clamp_past(start_on, today)));
            }
            if target >= Stage::Producing {
                milestones.push((id, BatchList::Produce, clamp_past(produce_on, today)));
            }
            if !target.is_started() {
                continue;
            }
            // A year of monthly reports; some offices lag, some projects miss the current one.
            let pace = if office.sort_order % 4 == 3 { rng.random_range(20..70) } else { rng.random_range(55..125) };
            let mut m = Month::new(year, 1).unwrap_or(current);
            while m <= current {
                let reported_month = m.last_day() >= start_on && !(m == current && rng.random_range(0..100) < 25);
                if reported_month {
                    let amount = annual.yuan() / 12 * pace / 100 * rng.random_range(70..130) / 100;
                    let (problem, help) = if rng.random_range(0..100) < 12 {
                        *PROBLEMS.choose(&mut rng).unwrap_or(&PROBLEMS[0])
                    } else {
                        ("", "")
                    };
                    report::ActiveModel {
                        project_id: Set(id),
                        office_id: Set(office.id),
                        year: Set(m.year),
                        month: Set(m.month as i32),
                        completed: Set(amount / 10_000 * 10_000),
                        progress: Set(PROGRESS.choose(&mut rng).unwrap_or(&PROGRESS[0]).to_string()),
                        problems: Set(problem.to_string()),
                        help_needed: Set(help.to_string()),
                        submitted_by: Set("demo".into()),
                        submitted_at: Set(
                            txn.now() - Duration::days(i64::from(current.months_until(Month::of(today))) * 30)
                        ),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                    if !problem.is_empty() && m == current {
                        insert_problem(&mut txn, id, problem, "区发改委", Some(today + Duration::days(30))).await?;
                    }
                }
                m = m.next();
            }
            update_year_completed(&txn, id, year).await?;
        }
        // One "三个一批" batch per past quarter of this year: each quarter's signings,
        // starts and productions, as a district's concentrated events list them.
        let mut seq = 0;
        for quarter in 1..=4u32 {
            let Some(from) = NaiveDate::from_ymd_opt(year, quarter * 3 - 2, 1) else { continue };
            let to = Month::new(year, quarter * 3).map_or(from, Month::last_day);
            if to >= today {
                break;
            }
            seq += 1;
            let batch = batch::ActiveModel {
                seq: Set(seq),
                name: Set(fengkou_domain::campaign::batch_name(seq, to - Duration::days(2))),
                held_on: Set(Some(to - Duration::days(2))),
                created_at: Set(txn.now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            for (project_id, list, _) in milestones.iter().filter(|(_, _, d)| *d >= from && *d <= to) {
                batch_item::ActiveModel {
                    batch_id: Set(batch.id),
                    project_id: Set(*project_id),
                    list: Set((*list).into()),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
        }
        txn.commit().await?;
        self.warnings().refresh_all_warnings().await?;
        self.seed_demo_meeting(today).await?;
        let office_ids: Vec<i64> = offices.iter().map(|o| o.id).collect();
        let industry_names: Vec<(i64, String)> = industries.iter().map(|i| (i.id, i.name.clone())).collect();
        self.enterprises().seed_demo(&office_ids, &industry_names).await?;
        Ok(true)
    }

    /// A past observation meeting: two industrial sites for five offices, the leader's
    /// sheet submitted, an office head's sheet half done, results not yet released.
    async fn seed_demo_meeting(&self, today: NaiveDate) -> Result<()> {
        use fengkou_domain::Role;
        use fengkou_storage::entity::user;
        use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
        let project_office = crate::ledger::cli_actor();
        let actor_of =
            |u: user::Model, role| crate::Actor { user_id: u.id, username: u.username, role, office_id: u.office_id };
        let find = |name: &'static str| user::Entity::find().filter(user::Column::Username.eq(name)).one(&self.db);
        let (Some(leader), Some(office_head)) = (find("leader").await?, find("tianjinlu").await?) else {
            return Ok(());
        };
        let leader = actor_of(leader, Role::Leader);
        let office_head = actor_of(office_head, Role::OfficeUser);
        let id = self
            .meetings()
            .create_meeting_spanning(
                &project_office,
                "2026年第三季度全区项目建设现场观摩",
                today - Duration::days(60),
                Some(today - Duration::days(59)),
            )
            .await?;
        let industrial: Vec<i64> = industry::Entity::find()
            .filter(industry::Column::Category.eq("产业项目"))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        let offices = self.offices().await?;
        let mut time = 9 * 60;
        for o in offices.iter().take(5) {
            let projects = project::Entity::find()
                .filter(project::Column::OfficeId.eq(o.id))
                .filter(project::Column::IndustryId.is_in(industrial.clone()))
                .filter(project::Column::Stage.is_in(["building", "producing", "started"]))
                .order_by_desc(project::Column::TotalInvestment)
                .all(&self.db)
                .await?;
            for p in projects.iter().take(2) {
                self.meetings()
                    .add_site(&project_office, id, p.id, &format!("{:02}:{:02}", time / 60, time % 60))
                    .await?;
                time += 40;
            }
        }
        self.meetings().invite_judge(&project_office, id, "leader", None).await?;
        self.meetings().invite_judge(&project_office, id, "tianjinlu", None).await?;
        let view = self.meetings().meeting(id).await?;
        let mut rng = StdRng::seed_from_u64(202_609);
        for (judge, share) in [(&leader, 1.0), (&office_head, 0.5)] {
            let count = (view.sites.len() as f64 * share) as usize;
            for site in view.sites.iter().take(count) {
                if judge.office_id == Some(site.office_id) {
                    continue;
                }
                let scores: Vec<(i64, rust_decimal::Decimal)> = view
                    .criterion_ids
                    .iter()
                    .zip(&view.criteria)
                    .map(|(cid, c)| {
                        (
                            *cid,
                            c.max * rust_decimal::Decimal::from(rng.random_range(65..100))
                                / rust_decimal::Decimal::from(100),
                        )
                    })
                    .map(|(cid, v)| (cid, v.round_dp(1)))
                    .collect();
                self.meetings().score_site(judge, id, site.id, &scores, "").await?;
            }
        }
        self.meetings().submit_sheet(&leader, id).await?;
        if let Some(first) = view.sites.first() {
            self.projects()
                .add_comment(&leader, first.project_id, "项目推进快、现场管理规范，要总结经验在全区推广。")
                .await?;
        }
        let scope: Vec<crate::meetings::ScopeLine> = offices
            .iter()
            .enumerate()
            .map(|(i, o)| crate::meetings::ScopeLine { office_id: o.id, taking_part: i < 5, group: String::new() })
            .collect();
        self.meetings().set_scope(&project_office, id, &scope).await?;
        self.seed_demo_history(today, &scope, &industrial, [&leader, &office_head]).await
    }

    /// Two earlier meetings, released — the first by the points formula, the second by
    /// rank ballots — so that the history chart and "most improved" have something to
    /// show; and the next meeting in planning, scored by a composite, with an office's
    /// proposal waiting for confirmation.
    async fn seed_demo_history(
        &self,
        today: NaiveDate,
        scope: &[crate::meetings::ScopeLine],
        industrial: &[i64],
        judges: [&crate::Actor; 2],
    ) -> Result<()> {
        use crate::meetings::MethodSettings;
        use fengkou_domain::observation::Method;
        use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
        let project_office = crate::ledger::cli_actor();
        let settings = |method: Method| MethodSettings {
            method: method.code().into(),
            aggregate: "mean".into(),
            combination: "mean".into(),
            rank_step: "3".into(),
            weight_rubric: "60".into(),
            weight_rank: "0".into(),
            weight_formula: "40".into(),
            excellent_from: "90".into(),
            good_from: "80".into(),
            ..Default::default()
        };
        let taking_part: Vec<i64> = scope.iter().filter(|l| l.taking_part).map(|l| l.office_id).collect();
        // Sites the third-meeting route does not use (it shows each office's two
        // largest industrial projects): the next ones down, one per office.
        let mut spare: Vec<Vec<i64>> = Vec::new();
        for o in &taking_part {
            let projects = project::Entity::find()
                .filter(project::Column::OfficeId.eq(*o))
                .filter(project::Column::IndustryId.is_in(industrial.to_vec()))
                .order_by_desc(project::Column::TotalInvestment)
                .all(&self.db)
                .await?;
            spare.push(projects.iter().skip(2).map(|p| p.id).collect());
        }
        for (months_back, method, pick) in [(8, Method::Formula, 0), (5, Method::RankBallot, 1)] {
            let held_on = today - Duration::days(months_back * 30);
            let quarter = ["一", "二", "三", "四"][(chrono::Datelike::month(&held_on) as usize - 1) / 3];
            let name = format!("{}年第{quarter}季度全区项目建设现场观摩", chrono::Datelike::year(&held_on));
            let id = self.meetings().create_meeting(&project_office, &name, held_on).await?;
            self.meetings().set_scope(&project_office, id, scope).await?;
            self.meetings().set_meeting_method(&project_office, id, &settings(method)).await?;
            for projects in &spare {
                if let Some(p) = projects.get(pick) {
                    self.meetings().add_site(&project_office, id, *p, "").await?;
                }
            }
            if method == Method::RankBallot {
                self.meetings().invite_judge(&project_office, id, "leader", None).await?;
                self.meetings().invite_judge(&project_office, id, "tianjinlu", None).await?;
                for (shift, judge) in judges.iter().enumerate() {
                    let sheet = self.meetings().score_sheet(judge, id).await?;
                    let n = sheet.ranking.len();
                    let ranks: Vec<(i64, i32)> = sheet
                        .ranking
                        .iter()
                        .enumerate()
                        .map(|(i, r)| (r.office_id, ((i + shift) % n) as i32 + 1))
                        .collect();
                    self.meetings().save_ranking(judge, id, &ranks).await?;
                    self.meetings().submit_sheet(judge, id).await?;
                }
            }
            self.meetings().release_results(&project_office, id, "").await?;
        }
        // The next meeting: planned, a composite of judges' scores and the formula.
        let id = self
            .meetings()
            .create_meeting(&project_office, "2026年第四季度全区项目建设现场观摩", today + Duration::days(20))
            .await?;
        self.meetings().set_scope(&project_office, id, scope).await?;
        self.meetings().set_meeting_method(&project_office, id, &settings(Method::Composite)).await?;
        // 湖北路 proposes one of its projects; the project office has yet to confirm it.
        let hubeilu = fengkou_storage::entity::user::Entity::find()
            .filter(fengkou_storage::entity::user::Column::Username.eq("hubeilu"))
            .one(&self.db)
            .await?;
        if let Some(u) = hubeilu {
            let office_user = crate::Actor {
                user_id: u.id,
                username: u.username,
                role: fengkou_domain::Role::OfficeUser,
                office_id: u.office_id,
            };
            let own = taking_part.iter().position(|o| Some(*o) == u.office_id);
            if let Some(p) = own.and_then(|i| spare.get(i)).and_then(|p| p.get(2)) {
                self.meetings().add_site(&office_user, id, *p, "").await?;
            }
        }
        Ok(())
    }

    async fn has_user(&self, username: &str) -> Result<bool> {
        use fengkou_storage::entity::user;
        use sea_orm::{ColumnTrait, QueryFilter};
        Ok(user::Entity::find().filter(user::Column::Username.eq(username)).one(&self.db).await?.is_some())
    }
}

fn header_name_stub(i: usize) -> String {
    const FIRMS: [&str; 8] =
        ["洛阳华能", "中原鼎盛", "河洛智造", "伊滨科技", "涧西实业", "西苑新材", "周山生物", "龙门文旅"];
    FIRMS[i % FIRMS.len()].to_string()
}
