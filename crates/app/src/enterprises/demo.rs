//! The demo district's firms: those the speech names (their figures invented, marked
//! 演示) and 1,200 invented ones with valid codes and three years of figures from three
//! departments, tiers over five years so that today's counts sit near the speech's
//! (707 科小, 373 高企, 151 规上), a few departments disagreeing, and firms close to
//! the next rung, so that every list has something to show.

use super::Enterprises;
use crate::Result;
use chrono::{Datelike, NaiveDate};
use fengkou_domain::Permit;
use fengkou_domain::enterprise::{Source, Tier};
use fengkou_domain::uscc::Uscc;
use fengkou_storage::entity::{enterprise, enterprise_tier, indicator_value, tier_target};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

/// The firms the speech names: (name, industry, employees, revenue 万元).
const NAMED: [(&str, &str, i64, i64); 12] = [
    ("中国一拖集团有限公司", "智能制造", 9_800, 1_150_000),
    ("中信重工机械股份有限公司", "智能制造", 6_200, 890_000),
    ("中铝洛阳铜加工有限公司", "新材料", 3_100, 1_320_000),
    ("洛阳LYC轴承有限公司", "智能制造", 5_400, 420_000),
    ("河南柴油机重工有限责任公司", "智能制造", 2_600, 210_000),
    ("中航光电科技股份有限公司", "电子信息", 8_700, 1_580_000),
    ("普莱柯生物工程股份有限公司", "生物医药", 1_300, 120_000),
    ("麦斯克电子材料股份有限公司", "电子信息", 900, 86_000),
    ("中钢洛耐科技股份有限公司", "新材料", 2_100, 230_000),
    ("中科慧远视觉技术（洛阳）有限公司", "电子信息", 420, 31_000),
    ("洛阳四丰电子有限公司", "电子信息", 260, 18_000),
    ("洛阳涧光特种装备股份有限公司", "智能制造", 780, 65_000),
];

const WORDS: [&str; 24] = [
    "恒", "瑞", "达", "新", "宏", "华", "博", "精", "智", "科", "源", "盛", "创", "远", "信", "诚", "鼎", "泰", "通",
    "卓", "航", "锐", "中", "德",
];
const TRADES: [(&str, &str); 10] = [
    ("智能装备", "智能制造"),
    ("精密轴承", "智能制造"),
    ("电子科技", "电子信息"),
    ("软件", "电子信息"),
    ("新材料", "新材料"),
    ("耐火材料", "新材料"),
    ("生物科技", "生物医药"),
    ("医疗器械", "生物医药"),
    ("机器人", "智能制造"),
    ("节能环保", "新材料"),
];

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a demo date")
}

fn money(v: f64) -> Decimal {
    Decimal::from_f64_retain((v * 100.0).round() / 100.0).unwrap_or_default().round_dp(2).normalize()
}

impl Enterprises<'_> {
    /// Loads the demo firms unless firms already exist.
    pub(crate) async fn seed_demo(&self, offices: &[i64], industries: &[(i64, String)]) -> Result<()> {
        self.seed_firms(offices, industries, 1_200).await?;
        // The innovation credit of the last two full years, computed and published by
        // the bureau, so that the rankings, a firm's year-on-year and the notice show.
        let bureau = crate::Actor {
            user_id: 0,
            username: "kjj".into(),
            role: fengkou_domain::Role::TechBureau,
            office_id: None,
        };
        if fengkou_storage::entity::credit_run::Entity::find().count(&self.db).await? > 0 {
            return Ok(());
        }
        let last = self.today().year() - 1;
        for year in [last - 1, last] {
            let run = self.credit().compute(&bureau, year).await?;
            self.credit().publish(&bureau, run.id).await?;
        }
        Ok(())
    }

    /// A district of `invented` firms beside the named ones (`fengkou bench ladder`), with
    /// the demo's shares of tiers and its three years of figures.
    pub async fn seed_scale(&self, invented: usize) -> Result<()> {
        crate::demo::ensure_reference_data(self).await?;
        let offices: Vec<i64> = self.offices().await?.iter().map(|o| o.id).collect();
        let industries: Vec<(i64, String)> = self.industries().await?.into_iter().map(|i| (i.id, i.name)).collect();
        self.seed_firms(&offices, &industries, invented).await
    }

    async fn seed_firms(&self, offices: &[i64], industries: &[(i64, String)], invented: usize) -> Result<()> {
        if enterprise::Entity::find().count(&self.db).await? > 0 {
            return Ok(());
        }
        let today = self.today();
        let this_year = today.year();
        let last = this_year - 1;
        let mut rng = StdRng::seed_from_u64(20_261_201);
        let mut extra = StdRng::seed_from_u64(20_261_202);
        let w = self.write(Permit::system("demo")).await?;
        let now = w.now();
        let industry_of = |name: &str| industries.iter().find(|(_, n)| n == name).map(|(id, _)| *id);

        // (id, profile) — the profile decides the figures and the tiers.
        #[derive(Clone, Copy, PartialEq)]
        enum Profile {
            Large,
            HighTech,
            NearHighTech,
            TechSme,
            Small,
        }
        let mut firms: Vec<(i64, Profile, String)> = Vec::new();
        let mut serial = 1u32;
        let mut code = |rng: &mut StdRng| {
            serial += 1 + rng.random_range(0..7);
            Uscc::complete(&format!("91410303{:08}0", 10_000_000 + serial)).expect("a valid demo code").to_string()
        };
        let mut rows = Vec::new();
        for (name, industry, _, _) in NAMED {
            rows.push((
                name.to_string(),
                industry_of(industry),
                Profile::Large,
                day(rng.random_range(1955..2005), 6, 1),
            ));
        }
        let mut names = std::collections::HashSet::new();
        while rows.len() < NAMED.len() + invented {
            let (trade, industry) = TRADES[rng.random_range(0..TRADES.len())];
            let mut name = format!(
                "洛阳{}{}{}有限公司",
                WORDS[rng.random_range(0..WORDS.len())],
                WORDS[rng.random_range(0..WORDS.len())],
                trade
            );
            if names.contains(&name) && invented > 1_200 {
                // A large generated district runs out of two-word names.
                name = name.replace("有限公司", &format!("第{}分公司", rows.len()));
            }
            if !names.insert(name.clone()) {
                continue;
            }
            let i = rows.len();
            let profile = match i % 20 {
                0..=5 => Profile::HighTech,
                6..=7 => Profile::NearHighTech,
                8..=14 => Profile::TechSme,
                _ => Profile::Small,
            };
            let registered = day(rng.random_range(2003..=last), rng.random_range(1..=12), rng.random_range(1..=28));
            rows.push((name, industry_of(industry), profile, registered));
        }
        for (i, (name, industry_id, profile, registered)) in rows.into_iter().enumerate() {
            let office_id = if i % 23 == 7 { None } else { offices.get(i % offices.len().max(1)).copied() };
            let saved = enterprise::ActiveModel {
                uscc: Set(code(&mut rng)),
                name: Set(name.clone()),
                office_id: Set(office_id),
                industry_id: Set(industry_id),
                registered_on: Set(Some(registered)),
                address: Set(format!(
                    "洛阳市涧西区{}路{}号",
                    ["天津", "湖北", "长春", "长安", "珠江"][i % 5],
                    10 + i % 190
                )),
                contact: Set(["张", "王", "李", "赵", "刘"][i % 5].to_string() + "经理"),
                phone: Set(format!("0379-6{:07}", 1_000_000 + i * 37 % 8_999_999)),
                liaison: Set(["李建国", "王红梅", "赵志强", "陈静"][i % 4].to_string()),
                tags: Set(match profile {
                    Profile::Large => "龙头企业、演示".to_string(),
                    Profile::NearHighTech => "高企后备、演示".to_string(),
                    _ => "演示".to_string(),
                }),
                note: Set("演示：名称之外的数据均为虚构".into()),
                demo: Set(true),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&w)
            .await?;
            firms.push((saved.id, profile, name));
        }

        // Figures for three years from three departments.
        let mut values = Vec::new();
        let mut tiers = Vec::new();
        let mut value = |firm: i64, year: i32, name: &str, source: Source, v: Decimal| {
            values.push(indicator_value::ActiveModel {
                enterprise_id: Set(firm),
                year: Set(year),
                indicator: Set(name.to_string()),
                source: Set(source.into()),
                value: Set(v.into()),
                as_of: Set(Some(day(year + 1, 3, 31))),
                recorded_by: Set("demo".into()),
                recorded_at: Set(now),
                ..Default::default()
            });
        };
        let mut high_tech_count = 0;
        for (n, (firm, profile, _)) in firms.iter().enumerate() {
            let (firm, profile) = (*firm, *profile);
            let large = NAMED.get(n);
            let (employees, revenue) = match (large, profile) {
                (Some((_, _, e, r)), _) => (*e as f64, *r as f64),
                (_, Profile::HighTech) => (rng.random_range(60.0..600.0), rng.random_range(2_000.0..60_000.0)),
                (_, Profile::NearHighTech) => (rng.random_range(40.0..300.0), rng.random_range(1_500.0..12_000.0)),
                (_, Profile::TechSme) => (rng.random_range(15.0..200.0), rng.random_range(300.0..8_000.0)),
                _ => (rng.random_range(8.0..120.0), rng.random_range(100.0..5_000.0)),
            };
            let (tech_share, rd_share) = match profile {
                Profile::Large => (0.18, 0.045),
                Profile::HighTech => (rng.random_range(0.12..0.45), rng.random_range(0.05..0.09)),
                // Close to 高企: R&D a little short, or tech staff a little short.
                Profile::NearHighTech if n % 2 == 0 => (rng.random_range(0.11..0.25), rng.random_range(0.04..0.0495)),
                Profile::NearHighTech => (rng.random_range(0.085..0.099), rng.random_range(0.05..0.07)),
                Profile::TechSme => (rng.random_range(0.15..0.40), rng.random_range(0.03..0.08)),
                Profile::Small => (rng.random_range(0.0..0.2), rng.random_range(0.0..0.03)),
            };
            for (k, year) in [last - 2, last - 1, last].into_iter().enumerate() {
                let growth = 1.0 + 0.08 * k as f64;
                let rev = revenue * growth;
                let staff = (employees * (1.0 + 0.03 * k as f64)).round();
                let rd = if n % 9 == 4 && profile != Profile::Large { 0.0 } else { rev * rd_share };
                value(firm, year, "revenue", Source::Tax, money(rev));
                value(firm, year, "total_income", Source::Tax, money(rev * 1.04));
                value(firm, year, "total_cost", Source::Tax, money(rev * 0.82));
                value(firm, year, "rd_expense", Source::Tax, money(rd));
                value(firm, year, "rd_expense_domestic", Source::Tax, money(rd * rng.random_range(0.7..1.0)));
                value(firm, year, "profit", Source::Tax, money(rev * rng.random_range(-0.03..0.12)));
                value(firm, year, "tax_paid", Source::Tax, money(rev * 0.05));
                value(firm, year, "employees", Source::Statistics, Decimal::from(staff as i64));
                value(firm, year, "total_assets", Source::Statistics, money(rev * rng.random_range(0.6..1.8)));
                // One in nine reports no R&D activity (the 规上 coverage list has names to show).
                let active = rd > 0.0 && n % 9 != 4;
                value(firm, year, "rd_activity", Source::Statistics, Decimal::from(i64::from(active)));
                value(firm, year, "tech_staff", Source::Science, Decimal::from((staff * tech_share).floor() as i64));
                let high_tech_share = if profile == Profile::Small { 0.3 } else { rng.random_range(0.62..0.95) };
                value(firm, year, "high_tech_income", Source::Science, money(rev * 1.04 * high_tech_share));
                let ip1 = if matches!(profile, Profile::Small) { 0 } else { rng.random_range(0..6) };
                value(firm, year, "ip_class1", Source::Market, Decimal::from(ip1));
                value(firm, year, "ip_class2", Source::Market, Decimal::from(rng.random_range(0..9)));
                value(
                    firm,
                    year,
                    "high_tech_field",
                    Source::Science,
                    Decimal::from(i64::from(profile != Profile::Small)),
                );
                value(firm, year, "violation", Source::Market, Decimal::from(i64::from(n % 97 == 13)));
                if profile != Profile::Small && year == last {
                    // Scored where the bureau evaluated them; some near misses, some not yet evaluated.
                    if n % 11 != 3 {
                        let score = match profile {
                            Profile::NearHighTech => rng.random_range(66.0..82.0),
                            _ => rng.random_range(70.0..92.0),
                        };
                        value(firm, year, "innovation_score", Source::Science, money(score));
                    }
                    value(firm, year, "equity_financing_3y", Source::Science, money(rng.random_range(0.0..900.0)));
                }
                // A few departments disagree: statistics' revenue differs from tax's.
                if n % 61 == 5 && year == last {
                    value(firm, year, "revenue", Source::Statistics, money(rev * 1.07));
                }
                // The innovation credit's own figures, from a generator of their own so
                // that every figure above stays as it was.
                let research = if profile == Profile::Small { 0.1..0.4 } else { 0.3..0.9 };
                let rd_staff = (staff * tech_share * extra.random_range(research)).floor() as i64;
                value(firm, year, "rd_staff", Source::Statistics, Decimal::from(rd_staff));
                let contracts = if profile == Profile::Small { 0.0 } else { rev * extra.random_range(0.0..0.04) };
                value(firm, year, "tech_contract_turnover", Source::Science, money(contracts));
                value(
                    firm,
                    year,
                    "programmes",
                    Source::Science,
                    Decimal::from(extra.random_range(0..4) * i64::from(profile != Profile::Small)),
                );
                if year == last {
                    let flag = |on: bool| Decimal::from(i64::from(on));
                    value(
                        firm,
                        year,
                        "provincial_rd_institution",
                        Source::Science,
                        flag(profile != Profile::Small && n % 6 == 1),
                    );
                    value(firm, year, "led_standard", Source::Market, flag(n % 9 == 2 || profile == Profile::Large));
                    value(firm, year, "national_award", Source::Science, flag(n % 53 == 7 || n < 3));
                }
            }
            // Tiers: recognised over the years, 高企 certificates renewed every three years.
            let mut tier = |t: Tier, on: NaiveDate, certificate: String| {
                tiers.push(enterprise_tier::ActiveModel {
                    enterprise_id: Set(firm),
                    tier: Set(t.into()),
                    recognised_on: Set(Some(on)),
                    valid_until: Set(t.default_valid_until(on)),
                    certificate: Set(certificate),
                    source: Set("演示".into()),
                    recorded_by: Set("demo".into()),
                    recorded_at: Set(now),
                    ..Default::default()
                });
            };
            let is_high_tech = matches!(profile, Profile::Large | Profile::HighTech)
                && high_tech_count < 373 * invented.max(1_200) / 1_200;
            if is_high_tech {
                high_tech_count += 1;
                // Spread over the last three years; the earliest are up for renewal soon.
                let year = last - 2 + (n % 3) as i32;
                let first = day(
                    year,
                    [12, rng.random_range(9..=12), rng.random_range(9..=11)][n % 3],
                    rng.random_range(2..=28),
                );
                if n % 4 == 0 {
                    tier(Tier::HighTech, day(year - 3, 12, 1), format!("GR{}41{:06}", year - 3, n));
                }
                tier(Tier::HighTech, first.min(today), format!("GR{year}41{:06}", n));
            }
            let tech_sme = match profile {
                Profile::TechSme | Profile::NearHighTech => true,
                Profile::HighTech => n % 20 < 3,
                _ => false,
            };
            if tech_sme {
                // Some did not renew this year: last year's entry has lapsed.
                if n % 40 != 11 {
                    let on = day(this_year, rng.random_range(3..=9), rng.random_range(1..=28)).min(today);
                    tier(Tier::TechSme, on, format!("{this_year}410303{n:05}"));
                }
                // Entered year after year, more of them each year.
                for (k, year) in (last - 3..=last).enumerate() {
                    if k == 3 || rng.random_bool(0.35 + 0.2 * k as f64) {
                        tier(Tier::TechSme, day(year, 5, 10), format!("{year}410303{n:05}"));
                    }
                }
            }
            if profile == Profile::Large || (profile == Profile::HighTech && n % 30 < 11) {
                tier(Tier::AboveScale, day(rng.random_range(2012..=last), 1, 1), String::new());
            }
            if profile == Profile::Large || (profile == Profile::HighTech && n % 20 == 3) {
                tier(Tier::Specialised, day(last - 1, 8, 1), format!("ZJTX{:05}", n));
            }
            if (n < NAMED.len() && n % 2 == 1) || (profile == Profile::HighTech && n % 200 == 9) {
                tier(Tier::LittleGiant, day(last - 1, 7, 15), format!("XJR{:05}", n));
            }
            if n == 5 || n == 0 {
                tier(Tier::Champion, day(last - 1, 11, 30), format!("DXGJ{:03}", n));
            }
            if matches!(profile, Profile::HighTech) && n % 5 == 2 {
                tier(Tier::InnovativeSme, day(last, 9, 1), format!("CXX{:05}", n));
            }
        }
        while !values.is_empty() {
            let group: Vec<_> = values.drain(..values.len().min(300)).collect();
            indicator_value::Entity::insert_many(group).exec(&w).await?;
        }
        while !tiers.is_empty() {
            let group: Vec<_> = tiers.drain(..tiers.len().min(300)).collect();
            enterprise_tier::Entity::insert_many(group).exec(&w).await?;
        }
        for (tier, year, target, name) in [
            (Tier::HighTech, 2027, 746, "高企倍增"),
            (Tier::TechSme, this_year, 800, "科小入库"),
            (Tier::AboveScale, this_year, 170, "规上工业企业"),
            (Tier::Specialised, 2027, 60, "专精特新"),
        ] {
            tier_target::ActiveModel {
                tier: Set(tier.into()),
                year: Set(year),
                target: Set(target),
                name: Set(name.into()),
                ..Default::default()
            }
            .insert(&w)
            .await?;
        }
        let mut w = w;
        w.record(crate::audit::Change {
            action: "create",
            entity: "enterprises",
            entity_id: None,
            project_id: None,
            before: None,
            after: Some(serde_json::json!({ "summary": format!("演示企业 {} 家", firms.len()) })),
        });
        self.reassess_in(&w, None).await?;
        w.commit().await?;
        fengkou_storage::queries::refresh_statistics(
            &self.writer,
            &["enterprises", "indicator_values", "enterprise_tiers", "ladder_assessments", "enterprise_projects"],
        )
        .await?;
        Ok(())
    }
}
