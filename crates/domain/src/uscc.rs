//! 统一社会信用代码 (GB 32100-2015): the 18-character code every firm is known by.
//!
//! Two checks, both published: the 18th character is a check over the first 17
//! (weights 3^i mod 31), and characters 9–17 are the organisation code of GB 11714 with
//! its own check character (the 17th). A refusal names which check failed and the
//! character that was expected, so that a typo can be found on the paper certificate.
//! Lower-case letters and full-width characters are normalised first, and spaces around
//! the code are trimmed: officials paste codes from Word and WPS.

use std::fmt;

/// The 31 characters of GB 32100 (no I, O, Z, S, V), in the order of their values.
pub const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A valid code, upper-case and half-width.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

impl Uscc {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Characters 3–8: the administrative division where the firm registered.
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }

    /// Makes a valid code from its first 17 characters (test and demo data).
    pub fn complete(first_17: &str) -> Option<Uscc> {
        let text = normalise(first_17);
        if text.chars().count() != 17 || !text.chars().all(|c| CHARSET.contains(c)) {
            return None;
        }
        let mut chars: Vec<char> = text.chars().collect();
        // The organisation check sits at the 17th character; recompute it, then the 18th.
        let org = organisation_check(&chars[8..16])?;
        chars[16] = org;
        chars.push(gb32100_check(&chars));
        Uscc::parse(&chars.into_iter().collect::<String>()).ok()
    }

    pub fn parse(text: &str) -> Result<Uscc, UsccError> {
        if is_valid_as_written(text) {
            return Ok(Uscc(text.to_string()));
        }
        let text = normalise(text);
        let chars: Vec<char> = text.chars().collect();
        if chars.is_empty() {
            return Err(UsccError::Empty);
        }
        if chars.len() != 18 {
            return Err(UsccError::Length { found: chars.len() });
        }
        if let Some((at, &c)) = chars.iter().enumerate().find(|(_, c)| !CHARSET.contains(**c)) {
            return Err(UsccError::Character { position: at + 1, found: c });
        }
        let org = organisation_check(&chars[8..16]).ok_or(UsccError::Character { position: 9, found: chars[8] })?;
        if chars[16] != org {
            return Err(UsccError::OrganisationCheck { expected: org, found: chars[16] });
        }
        let check = gb32100_check(&chars);
        if chars[17] != check {
            return Err(UsccError::Check { expected: check, found: chars[17] });
        }
        Ok(Uscc(text))
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether the text is a valid code exactly as written (upper-case, half-width, no
/// spaces), checked without allocating: the common case when a million codes are read.
pub fn is_valid_as_written(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 18 || !bytes.iter().all(|b| b.is_ascii() && VALUE31[usize::from(*b)] != 255) {
        return false;
    }
    let mut chars = ['0'; 18];
    for (c, b) in chars.iter_mut().zip(bytes) {
        *c = char::from(*b);
    }
    organisation_check(&chars[8..16]) == Some(chars[16]) && gb32100_check(&chars) == chars[17]
}

/// Trims, upper-cases, and turns full-width letters and digits into half-width ones.
pub fn normalise(text: &str) -> String {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '\u{3000}')
        .chars()
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            other => other,
        })
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The 18th character: 31 − (Σ value × 3^i mod 31) mod 31, with 31 written as 0.
fn gb32100_check(chars: &[char]) -> char {
    let mut weight = 1u32;
    let mut sum = 0u32;
    for c in &chars[..17] {
        sum += value31(*c) * weight;
        weight = weight * 3 % 31;
    }
    let check = (31 - sum % 31) % 31;
    char::from(CHARSET.as_bytes()[check as usize])
}

fn value31(c: char) -> u32 {
    let value = VALUE31[c as usize & 0x7f];
    debug_assert!(value != 255, "checked against the charset");
    u32::from(value)
}

/// Each ASCII character's value in the charset, 255 for those outside it (looked up
/// rather than searched: a million codes are checked when a file is assessed).
const VALUE31: [u8; 128] = {
    let mut table = [255u8; 128];
    let chars = CHARSET.as_bytes();
    let mut i = 0;
    while i < chars.len() {
        table[chars[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// GB 11714's check over the organisation code's eight characters: digits by value,
/// letters A = 10 … Z = 35; 11 − (Σ mod 11), 10 written X and 11 written 0.
fn organisation_check(body: &[char]) -> Option<char> {
    const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let mut sum = 0;
    for (c, w) in body.iter().zip(WEIGHTS) {
        let v = match c {
            '0'..='9' => *c as u32 - '0' as u32,
            'A'..='Z' => *c as u32 - 'A' as u32 + 10,
            _ => return None,
        };
        sum += v * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10).expect("a digit"),
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsccError {
    Empty,
    Length {
        found: usize,
    },
    /// A character outside the 31 (position from 1).
    Character {
        position: usize,
        found: char,
    },
    /// The 17th character, the organisation code's check (GB 11714).
    OrganisationCheck {
        expected: char,
        found: char,
    },
    /// The 18th character (GB 32100).
    Check {
        expected: char,
        found: char,
    },
}

impl fmt::Display for UsccError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsccError::Empty => write!(f, "统一社会信用代码为空"),
            UsccError::Length { found } => write!(f, "统一社会信用代码应为 18 位，这里是 {found} 位"),
            UsccError::Character { position, found } => {
                let shown = if found.is_control() { '�' } else { *found };
                write!(f, "统一社会信用代码第 {position} 位“{shown}”不是可用字符（不用 I、O、Z、S、V）")
            }
            UsccError::OrganisationCheck { expected, found } => write!(
                f,
                "统一社会信用代码第 17 位（组织机构代码校验位）应为“{expected}”，这里是“{found}”：第 9–16 位可能有误"
            ),
            UsccError::Check { expected, found } => {
                write!(f, "统一社会信用代码校验位（第 18 位）应为“{expected}”，这里是“{found}”")
            }
        }
    }
}

impl std::error::Error for UsccError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_published_codes_are_valid() {
        for code in ["914403001922038216", "91110000100011743X", "91440300708461136T"] {
            assert_eq!(Uscc::parse(code).map(|u| u.to_string()), Ok(code.to_string()), "{code}");
        }
    }

    #[test]
    fn lower_case_full_width_and_spaces_are_normalised() {
        assert_eq!(Uscc::parse(" 91110000100011743x ").unwrap().as_str(), "91110000100011743X");
        assert_eq!(Uscc::parse("９１４４０３００１９２２０３８２１６").unwrap().as_str(), "914403001922038216");
        assert_eq!(Uscc::parse("\u{3000}91440300708461136t").unwrap().as_str(), "91440300708461136T");
    }

    #[test]
    fn each_check_fails_on_its_own() {
        // The 18th character changed: only the GB 32100 check fails, naming the expected one.
        assert_eq!(Uscc::parse("914403001922038217"), Err(UsccError::Check { expected: '6', found: '7' }));
        // The 17th changed (and the 18th recomputed so that only the organisation check fails).
        let broken_org = "91440300192203820";
        let mut chars: Vec<char> = broken_org.chars().collect();
        chars.push(gb32100_check(&chars));
        let code: String = chars.into_iter().collect();
        assert_eq!(Uscc::parse(&code), Err(UsccError::OrganisationCheck { expected: '1', found: '0' }));
        assert_eq!(Uscc::parse("9144030019220382"), Err(UsccError::Length { found: 16 }));
        assert_eq!(Uscc::parse("9144030019220382166"), Err(UsccError::Length { found: 19 }));
        assert_eq!(Uscc::parse("91440300192203821I"), Err(UsccError::Character { position: 18, found: 'I' }));
        assert_eq!(Uscc::parse("9144O300192203821X"), Err(UsccError::Character { position: 5, found: 'O' }));
        assert_eq!(Uscc::parse("   "), Err(UsccError::Empty));
    }

    #[test]
    fn a_refusal_names_the_expected_character() {
        let message = Uscc::parse("914403001922038217").unwrap_err().to_string();
        assert!(message.contains("应为“6”"), "{message}");
        let message = Uscc::parse("91110000100011742X").unwrap_err().to_string();
        assert!(message.contains("第 17 位"), "{message}");
    }

    #[test]
    fn complete_makes_valid_codes() {
        let code = Uscc::complete("91410303MA4KXXXXX").expect("valid characters");
        assert_eq!(Uscc::parse(code.as_str()), Ok(code.clone()));
        assert_eq!(code.division(), "410303");
        assert_eq!(Uscc::complete("91410303MA4KXXXXI"), None);
    }
}
