//! What makes a password acceptable: at least [`MIN_PASSWORD_CHARS`] characters, not
//! the username, not one that leaks show everyone tries first, and not one character
//! or two repeated. A decision with its reason, for the message.

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest (sign-in refuses longer ones before hashing them).
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Embedded so that an isolated network needs nothing from outside.
const COMMON: &str = include_str!("common_passwords.txt");

/// Why `password` will not do for `username`, or None when it will.
pub fn password_problem(username: &str, password: &str) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Some(format!("至少{MIN_PASSWORD_CHARS}个字符"));
    }
    if length > MAX_PASSWORD_CHARS {
        return Some(format!("不能超过{MAX_PASSWORD_CHARS}个字符"));
    }
    let lowered = password.trim().to_lowercase();
    if lowered == username.trim().to_lowercase() {
        return Some("不能与用户名相同".to_string());
    }
    let mut distinct: Vec<char> = lowered.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Some("至少要有4个不同的字符".to_string());
    }
    let common = COMMON.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).any(|l| l == lowered);
    if common {
        return Some("是常见密码，容易被猜中，请换一个".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::short("abc12345", Some("至少10个字符"))]
    #[case::the_username("Zhangsan-01", Some("不能与用户名相同"))]
    #[case::common("Password123", Some("是常见密码，容易被猜中，请换一个"))]
    #[case::common_chinese("woaini1314", Some("是常见密码，容易被猜中，请换一个"))]
    #[case::repeated("1111111111", Some("至少要有4个不同的字符"))]
    #[case::two_repeated("abababababab", Some("至少要有4个不同的字符"))]
    #[case::fine("湖北路-2026-报表", None)]
    #[case::fine_ascii("correct horse battery", None)]
    fn passwords_are_judged(#[case] password: &str, #[case] problem: Option<&str>) {
        assert_eq!(password_problem("zhangsan-01", password).as_deref(), problem);
    }

    #[test]
    fn the_list_is_read() {
        let entries = COMMON.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).count();
        assert!(entries > 100, "{entries}");
        assert!(COMMON.lines().filter(|l| !l.starts_with('#')).all(|l| l.chars().count() >= MIN_PASSWORD_CHARS));
    }
}
