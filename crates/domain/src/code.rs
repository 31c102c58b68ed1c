//! Stored codes: every enumerated value the database keeps (a stage, a warning light, a
//! role, a status) is one of these enums, written as its stable ASCII code and read
//! back strictly. The storage crate reads a column of such codes straight into the
//! enum and refuses an unknown code with an error naming the table, the row and the
//! column; nothing falls back to a default.

/// An enum stored by its code.
pub trait Coded: Sized + Copy + PartialEq + std::fmt::Debug + 'static {
    /// What the value is, in the words of an error message ("项目阶段").
    const KIND: &'static str;
    /// Every value, in the order pages list them.
    const ALL: &'static [Self];
    /// The stable code kept in the database ("building").
    fn code(self) -> &'static str;
    /// The value of a stored code; exactly the code, nothing looser.
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
}

/// Declares an enum stored by its code, with its label, in one place.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal / $label:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant, )+
        }

        impl $crate::code::Coded for $name {
            const KIND: &'static str = $kind;
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }
        }

        impl $name {
            pub fn code(self) -> &'static str {
                <Self as $crate::code::Coded>::code(self)
            }
            pub fn from_code(code: &str) -> Option<Self> {
                <Self as $crate::code::Coded>::from_code(code)
            }
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }
        }
    };
}
pub(crate) use coded_enum;

/// Implements [`Coded`] for an enum that already has `code()` and `ALL`.
macro_rules! coded {
    ($name:ty, $kind:literal, $all:expr) => {
        impl $crate::code::Coded for $name {
            const KIND: &'static str = $kind;
            const ALL: &'static [Self] = &$all;
            fn code(self) -> &'static str {
                <$name>::code(self)
            }
        }
    };
}
pub(crate) use coded;

#[cfg(test)]
mod tests {
    use super::Coded;
    use crate::observation::{Aggregation, BandMode, Method, SiteCombination, SiteStatus};
    use crate::period::PeriodStatus;
    use crate::project::{RequestStatus, Stage};
    use crate::{BatchList, Light, Precision, Role};

    fn round_trips<T: Coded>() {
        let mut codes = std::collections::HashSet::new();
        for v in T::ALL {
            assert_eq!(T::from_code(v.code()), Some(*v), "{} {:?}", T::KIND, v);
            assert!(codes.insert(v.code()), "{}: code {} twice", T::KIND, v.code());
            assert!(v.code().is_ascii() && !v.code().is_empty());
        }
        assert_eq!(T::from_code(""), None);
        assert_eq!(T::from_code("不存在"), None);
    }

    #[test]
    fn every_stored_code_reads_back_as_its_value_and_nothing_else_does() {
        round_trips::<Stage>();
        round_trips::<Light>();
        round_trips::<Role>();
        round_trips::<Precision>();
        round_trips::<BatchList>();
        round_trips::<Method>();
        round_trips::<Aggregation>();
        round_trips::<SiteCombination>();
        round_trips::<BandMode>();
        round_trips::<SiteStatus>();
        round_trips::<PeriodStatus>();
        round_trips::<RequestStatus>();
    }

    #[test]
    fn a_stored_code_is_exact_a_label_is_not_a_code() {
        // BatchList's own from_code also accepts the label for forms; a stored value does not.
        assert_eq!(<BatchList as Coded>::from_code("签约"), None);
        assert_eq!(<Stage as Coded>::from_code("Building"), None);
    }
}
