//! Column and index builders shared by the migrations.

use sea_orm_migration::prelude::*;

pub fn id(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(ColumnDef::new(Alias::new("id")).big_integer().not_null().auto_increment().primary_key())
}

pub fn text(name: &str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.text().not_null().default("");
    c
}

pub fn big(name: &str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.big_integer().not_null().default(0);
    c
}

pub fn opt_big(name: &str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.big_integer().null();
    c
}

pub fn int(name: &str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.integer().not_null().default(0);
    c
}

pub fn date(name: &str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.date().null();
    c
}

pub fn stamp(name: &str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.timestamp_with_time_zone().not_null();
    c
}

pub fn boolean(name: &str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.boolean().not_null().default(false);
    c
}

pub fn index(table: &str, name: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(Alias::new(table));
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}

pub fn opt_stamp(name: &str) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.timestamp_with_time_zone().null();
    c
}

/// A foreign key from `table.column` to `to.id`, named `fk_{table}_{column}`.
pub fn key(table: &str, column: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(Alias::new(table), Alias::new(column))
        .to(Alias::new(to), Alias::new("id"))
        .to_owned()
}
