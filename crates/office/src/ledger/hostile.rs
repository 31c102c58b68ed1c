//! Hostile workbooks, written by hand with the zip crate, for the reader's tests and
//! `fengkou bench abuse`. Each big part is streamed into the zip writer a megabyte at a
//! time, so that building a file never holds what it inflates to; a 1.1 GB part
//! compresses to about 1 MB. Also a real ledger of any size, as rust_xlsxwriter writes
//! it (shared strings, like Excel).

use std::io::Write;
use zip::write::SimpleFileOptions;

/// The hostile files [`build`] makes: (name, what it is).
pub const CASES: [(&str, &str); 8] = [
    ("inline_gigabyte", "one inline string cell of 1.1 GB"),
    ("whitespace_gigabyte", "a sheet padded with 1.1 GB of whitespace between rows"),
    ("whitespace_run", "64 MB of whitespace in one run"),
    ("shared_strings_declared", "24 million shared strings, declared"),
    ("shared_strings_counted", "3 million shared strings, not declared"),
    ("far_apart", "two cells at A1 and GR201000"),
    ("long_cell", "a cell of 40,000 characters"),
    ("long_shared_string", "a shared string of 40,000 characters"),
];

pub type Zip = zip::ZipWriter<std::io::Cursor<Vec<u8>>>;

pub fn options() -> SimpleFileOptions {
    // Level 3 compresses repeated text about 1,000 to 1 (1.1 GB into 1.1 MB), and is
    // the fastest level for it in an unoptimised test build.
    SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).compression_level(Some(3))
}

pub fn put(zip: &mut Zip, text: &str) {
    zip.write_all(text.as_bytes()).unwrap();
}

/// Writes `unit` over and over, `bytes` in all, a megabyte at a time (whole units
/// when `bytes` is a multiple of the unit's length).
pub fn repeat(zip: &mut Zip, unit: &str, bytes: u64) {
    let chunk = unit.repeat((1 << 20) / unit.len());
    let mut written = 0;
    while written < bytes {
        let n = (bytes - written).min(chunk.len() as u64) as usize;
        zip.write_all(&chunk.as_bytes()[..n]).unwrap();
        written += n as u64;
    }
}

pub const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
pub const RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
pub const DOC_RELS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A minimal workbook: one sheet (written by `sheet`, inside `<sheetData>`) and, when
/// `shared` is given, shared strings (written by it, inside `<sst>`, whose opening tag
/// it writes itself so that it can declare a count).
pub fn workbook(sheet: &dyn Fn(&mut Zip), shared: Option<&dyn Fn(&mut Zip)>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let ct = "application/vnd.openxmlformats-officedocument.spreadsheetml";
    zip.start_file("[Content_Types].xml", options()).unwrap();
    put(
        &mut zip,
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/></Types>"#
        ),
    );
    zip.start_file("_rels/.rels", options()).unwrap();
    put(
        &mut zip,
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        ),
    );
    zip.start_file("xl/workbook.xml", options()).unwrap();
    put(
        &mut zip,
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        ),
    );
    zip.start_file("xl/_rels/workbook.xml.rels", options()).unwrap();
    let shared_rel = if shared.is_some() {
        format!(r#"<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>"#)
    } else {
        String::new()
    };
    put(
        &mut zip,
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>{shared_rel}</Relationships>"#
        ),
    );
    zip.start_file("xl/worksheets/sheet1.xml", options()).unwrap();
    put(
        &mut zip,
        &format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}"><sheetData>"#),
    );
    sheet(&mut zip);
    put(&mut zip, "</sheetData></worksheet>");
    if let Some(shared) = shared {
        zip.start_file("xl/sharedStrings.xml", options()).unwrap();
        put(&mut zip, r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#);
        shared(&mut zip);
        put(&mut zip, "</sst>");
    }
    zip.finish().unwrap().into_inner()
}

pub fn inline(cell: &str, text: &str) -> String {
    format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// Row 1: a header that identifies projects by name and office.
pub fn header_row() -> String {
    format!(r#"<row r="1">{}{}</row>"#, inline("A1", "项目名称"), inline("B1", "所在办事处"))
}

pub fn sst_open(zip: &mut Zip, declared: Option<u64>) {
    match declared {
        Some(n) => put(zip, &format!(r#"<sst xmlns="{MAIN}" count="{n}" uniqueCount="{n}">"#)),
        None => put(zip, &format!(r#"<sst xmlns="{MAIN}">"#)),
    }
}

/// `n` empty shared strings, written as a stream (calamine keeps each: 24 bytes).
pub fn many_strings(zip: &mut Zip, n: u64) {
    let one = "<si/>";
    repeat(zip, one, n * one.len() as u64);
}

/// The hostile files, by name (see [`CASES`]).
pub fn build(case: &str) -> Vec<u8> {
    let header = header_row();
    match case {
        // Row 2's office is one inline string of 1.1 GB.
        "inline_gigabyte" => workbook(
            &|zip| {
                put(zip, &header);
                put(zip, &format!(r#"<row r="2">{}<c r="B2" t="inlineStr"><is><t>"#, inline("A2", "甲")));
                repeat(zip, "x", 1_100 * 1024 * 1024);
                put(zip, "</t></is></c></row>");
            },
            None,
        ),
        // A real sheet whose rows are indented by 64 KB of whitespace each, 1.1 GB in
        // all: no run is long, the sheet is.
        "whitespace_gigabyte" => workbook(
            &|zip| {
                put(zip, &header);
                let indent = 64 * 1024;
                for r in 2..(2 + 1_100 * 1024 * 1024 / indent) {
                    put(zip, "\n");
                    repeat(zip, " ", indent - 1);
                    put(
                        zip,
                        &format!(
                            r#"<row r="{r}">{}{}</row>"#,
                            inline(&format!("A{r}"), "甲"),
                            inline(&format!("B{r}"), "丰李办事处")
                        ),
                    );
                }
            },
            None,
        ),
        // 64 MB of whitespace in one run, between two rows.
        "whitespace_run" => workbook(
            &|zip| {
                put(zip, &header);
                repeat(zip, " ", 64 * 1024 * 1024);
                put(zip, &format!(r#"<row r="2">{}{}</row>"#, inline("A2", "甲"), inline("B2", "丰李办事处")));
            },
            None,
        ),
        // 24 million shared strings, declared as Excel declares them.
        "shared_strings_declared" => workbook(
            &|zip| put(zip, r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#),
            Some(&|zip| {
                sst_open(zip, Some(24_000_000));
                many_strings(zip, 24_000_000);
            }),
        ),
        // 3 million shared strings, not declared: counted.
        "shared_strings_counted" => workbook(
            &|zip| put(zip, r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#),
            Some(&|zip| {
                sst_open(zip, None);
                many_strings(zip, 3_000_000);
            }),
        ),
        // One cell in A1, one in GR201000: calamine's grid between them is 40 million
        // cells. Read sparsely, it is two cells, and the sheet is no ledger.
        "far_apart" => workbook(
            &|zip| {
                put(zip, &format!(r#"<row r="1">{}</row>"#, inline("A1", "项目名称")));
                put(zip, &format!(r#"<row r="201000">{}</row>"#, inline("GR201000", "远处")));
            },
            None,
        ),
        // A cell of 40,000 characters (Excel stops at 32,767).
        "long_cell" => workbook(
            &|zip| {
                put(zip, &header);
                put(zip, &format!(r#"<row r="2">{}{}</row>"#, inline("A2", "甲"), inline("B2", &"字".repeat(40_000))));
            },
            None,
        ),
        "long_shared_string" => workbook(
            &|zip| {
                put(zip, &header);
                put(zip, r#"<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c></row>"#);
            },
            Some(&|zip| {
                sst_open(zip, Some(2));
                put(zip, &format!("<si><t>甲</t></si><si><t>{}</t></si>", "字".repeat(40_000)));
            }),
        ),
        other => panic!("no case {other}"),
    }
}

/// A real ledger of `rows` rows and 30 columns, as rust_xlsxwriter writes it (shared
/// strings, like Excel): text, numbers, Excel dates and dates as text.
pub fn real_ledger(rows: u32) -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let headers = [
        "序号",
        "项目编号",
        "项目名称",
        "所在办事处",
        "产业类别",
        "建设阶段",
        "建设地点",
        "建设规模及内容",
        "总投资（万元）",
        "年度计划投资",
        "1-10月完成投资",
        "计划开工时间",
        "计划竣工时间",
        "实际开工时间",
        "实际竣工时间",
        "包联领导",
        "责任单位",
        "业主单位",
        "中央资金",
        "省级资金",
        "市级资金",
        "区级资金",
        "自筹资金",
        "用地面积（亩）",
        "联系人",
        "联系电话",
        "前期手续",
        "存在问题",
        "下步计划",
        "备注",
    ];
    ws.write_string(0, 0, "2026年全区重点项目建设台账").unwrap();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    let offices = ["湖北路办事处", "丰李办事处", "清洛办事处", "东城办事处", "西城办事处", "南湖办事处"];
    let industries = ["智能制造", "新材料", "数字经济", "社会民生", "基础设施", "现代服务业", "新能源"];
    let stages = ["谋划", "洽谈", "签约", "开工", "在建", "竣工", "达产"];
    let people = ["张三", "李四", "王五", "赵六", "钱七", "孙八"];
    let units = ["区发改委", "区工信局", "区住建局", "区商务局", "区交通局"];
    let works = ["厂房", "研发中心", "仓储物流", "生产线", "办公楼", "配套设施", "道路", "管网", "绿化"];
    for i in 0..rows {
        let (r, n) = (i + 2, i as usize);
        let day = |m: usize, d: usize| ExcelDateTime::from_ymd(2025, m as u8, d as u8).unwrap();
        ws.write_number(r, 0, f64::from(i + 1)).unwrap();
        ws.write_string(r, 1, format!("XM-2026-{i:06}")).unwrap();
        ws.write_string(r, 2, format!("{}{}项目{n}期", industries[n % 7], works[n % 9])).unwrap();
        ws.write_string(r, 3, offices[n % 6]).unwrap();
        ws.write_string(r, 4, industries[n % 7]).unwrap();
        ws.write_string(r, 5, stages[n % 7]).unwrap();
        ws.write_string(r, 6, format!("{}片区{}路{}号", &offices[n % 6][..6], works[n % 9], n % 997)).unwrap();
        let content = format!(
            "总建筑面积约{}万平方米，建设{}、{}及{}，年产值{}亿元",
            n % 50 + 1,
            works[n % 9],
            works[(n / 9) % 9],
            works[(n / 81) % 9],
            n % 300
        );
        ws.write_string(r, 7, content).unwrap();
        ws.write_number(r, 8, (n % 100_000) as f64 * 10.0 + 500.0).unwrap();
        ws.write_number(r, 9, (n % 10_000) as f64 + 100.0).unwrap();
        ws.write_number(r, 10, (n % 5_000) as f64 + 0.5).unwrap();
        ws.write_datetime_with_format(r, 11, day(n % 12 + 1, n % 28 + 1), &date).unwrap();
        ws.write_string(r, 12, format!("{}.{:02}", 2027 + n % 3, n % 12 + 1)).unwrap();
        if n % 7 >= 3 {
            ws.write_datetime_with_format(r, 13, day(n % 12 + 1, 1), &date).unwrap();
        }
        if n % 7 >= 5 {
            ws.write_string(r, 14, format!("2025年{}月", n % 12 + 1)).unwrap();
        }
        ws.write_string(r, 15, people[n % 6]).unwrap();
        ws.write_string(r, 16, units[n % 5]).unwrap();
        ws.write_string(r, 17, format!("{}{}有限公司", industries[n % 7], n % 5000)).unwrap();
        for c in 18..23 {
            ws.write_number(r, c, ((n * c as usize) % 3000) as f64).unwrap();
        }
        ws.write_number(r, 23, (n % 500) as f64 + 0.25).unwrap();
        ws.write_string(r, 24, people[(n + 3) % 6]).unwrap();
        ws.write_string(r, 25, format!("139{:08}", n * 7919 % 100_000_000)).unwrap();
        ws.write_string(r, 26, if n % 2 == 0 { "已立项、已备案" } else { "用地手续办理中" }).unwrap();
        if n % 3 == 0 {
            ws.write_string(r, 27, "建设资金到位不足").unwrap();
        }
        ws.write_string(r, 28, format!("{}月底前完成{}", n % 12 + 1, works[n % 9])).unwrap();
    }
    wb.save_to_buffer().unwrap()
}
