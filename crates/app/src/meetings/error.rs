/// What the meetings area refuses, beyond a form's field checks
/// ([`crate::AppError::Invalid`]): each variant names what is refused and why, and its
/// message is the Chinese sentence the organiser or the judge reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MeetingError {
    /// The plan, method and dates of a released meeting are what was published.
    #[error(
        "评比结果已发布，活动名称、日期、方法、细则、参加范围和路线不能再改；如需更正，可重新开放评分表、调整加减分或扣分后发布更正版"
    )]
    Released,
    #[error("结果已发布，文号不能再改")]
    DocumentNumberReleased,
    #[error("已有评委提交评分表，不能再更换评比方法（汇总方式和等次线仍可调整）")]
    MethodFixedBySubmittedSheets,
    #[error("已有评委按细则打分，不能再修改评分细则")]
    CriteriaFixedByScores,
    #[error("{office}已有观摩点，先从路线上移除后才能不参加")]
    OfficeHasSites { office: String },
    #[error("{office}不在本次观摩的参加范围内")]
    OfficeNotTakingPart { office: String },
    #[error("“{project}”已在本次观摩的路线或申报中")]
    SiteAlreadyListed { project: String },
    #[error("每个办事处最多{limit}个观摩点，{office}已有{limit}个（含待确认的申报）")]
    TooManySites { office: String, limit: usize },
    /// The rule that a site shown at the previous meeting is not shown again.
    #[error("“{project}”已在上一次观摩（{previous}{held_on}）中展示，按规定本次不再安排")]
    ShownAtPreviousMeeting { project: String, previous: String, held_on: String },
    #[error("该观摩点已有评委打分，不能移除")]
    SiteScored,
    #[error("{judge} 已经评分，不能取消邀请")]
    JudgeHasScored { judge: String },
    #[error("{judge} 已是本次评委")]
    AlreadyJudge { judge: String },
    #[error("评分表已提交并锁定，如需修改请联系项目办重新开放")]
    SheetLocked,
    #[error("本次观摩不采用排名投票")]
    NoRankBallot,
    #[error("本次观摩不采用评委按细则打分")]
    NoRubric,
    #[error("该观摩点不在本次观摩路线上")]
    SiteNotOnRoute,
    #[error("您已回避该观摩点，不能再为它打分（如属误操作，请先取消回避）")]
    SiteDeclined,
    #[error("还有观摩点未评完：{}", .sites.join("、"))]
    SitesUnscored { sites: Vec<String> },
    #[error("办事处排名尚未填完，请先保存排名")]
    RankingIncomplete,
    /// Release before every judge submitted needs a reason.
    #[error("还有{}/{total}名评委未提交（{}）：请等他们提交，或填写提前发布的原因", .waiting.len(), .waiting.join("、"))]
    JudgesWaiting { waiting: Vec<String>, total: usize },
    #[error("当前计算结果与已发布的版本相同，无需更正")]
    CorrectionUnchanged,
    /// A published version that no longer parses: the stored snapshot was damaged.
    #[error("观摩活动 {meeting} 第{version}版发布结果无法读取：{reason}")]
    PublishedUnreadable { meeting: i64, version: i32, reason: String },
}
