//! Checks every area applies to text a person typed: no control characters (they
//! would break the bulletin and the exports), and the length of a comment.

use crate::{AppError, Result};

/// A leader's comment (点评), on a project or on an office at a meeting: 1 to 2000
/// characters once trimmed.
pub(crate) fn comment_body(body: &str) -> Result<&str> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > 2000 {
        return Err(AppError::invalid("点评内容", "须为1到2000个字"));
    }
    plain_text("点评内容", body, true)?;
    Ok(body)
}

/// Refuses text with control characters (line breaks allowed in `multiline` fields):
/// they would break the bulletin and the exports.
pub(crate) fn plain_text(field: &'static str, text: &str, multiline: bool) -> Result<()> {
    if fengkou_domain::project::control_free(text, multiline) {
        Ok(())
    } else {
        Err(AppError::invalid(field, "不能含控制字符"))
    }
}

/// A short text field: no control characters (line breaks only in notes) and at most
/// `max` characters.
pub(crate) fn check_text(field: &'static str, text: &str, max: usize) -> Result<()> {
    plain_text(field, text, field == "备注")?;
    if text.chars().count() > max {
        return Err(AppError::invalid(field, format!("最多 {max} 个字")));
    }
    Ok(())
}
