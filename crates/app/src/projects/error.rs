use fengkou_domain::project::{Stage, TransitionError};

/// What the projects area refuses, beyond a form's field checks
/// ([`crate::AppError::Invalid`]): each variant names the step and the reason, and its
/// message is the Chinese sentence the user reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectError {
    /// The stage change itself breaks a rule of `domain::project::check_transition`.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("该项目已有待审批的退回申请，请等待项目办处理")]
    StepBackAlreadyRequested,
    #[error("该申请已经审批过")]
    RequestAlreadyDecided,
    /// The project moved since the office asked to step it back.
    #[error("项目阶段已从申请时的“{requested_from}”变为“{now}”，请驳回后由办事处重新申请")]
    StageMovedSinceRequest { requested_from: Stage, now: Stage },
}
