//! A hand-written parser for the statement subset. Anything else gets
//! StarRocks' syntax error text.

use super::lexer::{lex, Tok, Token};
use super::*;
use crate::error::SqlError;
use crate::format;

struct P<'a> {
    sql: &'a str,
    toks: Vec<Token>,
    i: usize,
}

type R<T> = Result<T, SqlError>;

/// Parse one statement (a trailing `;` is allowed).
pub fn parse(sql: &str) -> R<Statement> {
    let toks = lex(sql).map_err(|pos| syntax_error(sql, pos, &sql[pos..]))?;
    let mut p = P { sql, toks, i: 0 };
    let st = p.statement()?;
    while p.sym(";") {}
    if p.i < p.toks.len() {
        return Err(p.unexpected());
    }
    Ok(st)
}

/// StarRocks' ANTLR error text.
pub fn syntax_error(sql: &str, pos: usize, token: &str) -> SqlError {
    let line = sql[..pos].matches('\n').count() + 1;
    let col = pos - sql[..pos].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let token = token.split_whitespace().next().unwrap_or("");
    SqlError::new(format!(
        "Getting syntax error at line {line}, column {col}. Detail message: Unexpected input '{token}', the most similar input is {{<EOF>, ';'}}."
    ))
}

impl P<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.i)
    }

    fn unexpected(&self) -> SqlError {
        match self.peek() {
            Some(t) => syntax_error(self.sql, t.pos, &t.text),
            None => SqlError::new(format!(
                "Getting syntax error from line 1, column {} to line 1, column {}. Detail message: Unexpected input '<EOF>', the most similar input is {{<EOF>, ';'}}.",
                self.sql.trim_end().len(),
                self.sql.trim_end().len()
            )),
        }
    }

    fn kw(&mut self, k: &str) -> bool {
        if self.peek().map(|t| t.is_kw(k)) == Some(true) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn kws(&mut self, ks: &[&str]) -> bool {
        let save = self.i;
        for k in ks {
            if !self.kw(k) {
                self.i = save;
                return false;
            }
        }
        true
    }

    fn sym(&mut self, s: &str) -> bool {
        if matches!(self.peek(), Some(Token { tok: Tok::Sym(x), .. }) if x == s) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect_sym(&mut self, s: &str) -> R<()> {
        if self.sym(s) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn string(&mut self) -> R<String> {
        match self.peek() {
            Some(Token {
                tok: Tok::Str(s), ..
            }) => {
                let s = s.clone();
                self.i += 1;
                Ok(s)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn string_list(&mut self) -> R<Vec<String>> {
        let mut v = vec![self.string()?];
        while self.sym(",") {
            v.push(self.string()?);
        }
        Ok(v)
    }

    fn ident(&mut self) -> R<String> {
        match self.peek() {
            Some(Token {
                tok: Tok::Word(w), ..
            }) => {
                let w = w.clone();
                self.i += 1;
                Ok(w)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn number(&mut self) -> R<String> {
        match self.peek() {
            Some(Token {
                tok: Tok::Num(n), ..
            }) => {
                let n = n.clone();
                self.i += 1;
                Ok(n)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn like(&mut self) -> R<Option<String>> {
        if self.kw("LIKE") {
            Ok(Some(self.string()?))
        } else {
            Ok(None)
        }
    }

    fn statement(&mut self) -> R<Statement> {
        if self.kw("SHOW") {
            return self.show();
        }
        if self.kw("SELECT") {
            return self.select();
        }
        if self.kw("SET") {
            return self.set();
        }
        if self.kw("USE") {
            return Ok(Statement::Use(self.ident()?));
        }
        if self.kws(&["ALTER", "SYSTEM"]) {
            return Ok(Statement::AlterSystem(self.alter_system()?));
        }
        if self.kws(&["CANCEL", "DECOMMISSION", "BACKEND"]) {
            return Ok(Statement::CancelDecommission(self.string_list()?));
        }
        if self.kw("ADMIN") {
            return self.admin();
        }
        if self.kw("CREATE") {
            return self.create();
        }
        if self.kw("DROP") {
            if !(self.kw("DATABASE") || self.kw("SCHEMA")) {
                return Err(self.unexpected());
            }
            let if_exists = self.kws(&["IF", "EXISTS"]);
            return Ok(Statement::DropDatabase {
                name: self.ident()?,
                if_exists,
            });
        }
        if self.kw("BEGIN") || self.kw("COMMIT") || self.kw("ROLLBACK") {
            return Ok(Statement::Noop);
        }
        Err(self.unexpected())
    }

    fn show(&mut self) -> R<Statement> {
        if self.kw("BACKENDS") {
            return Ok(Statement::ShowBackends);
        }
        if self.kw("FRONTENDS") {
            return Ok(Statement::ShowFrontends);
        }
        if self.kws(&["COMPUTE", "NODES"]) {
            return Ok(Statement::ShowComputeNodes);
        }
        if self.kw("BROKER") {
            return Ok(Statement::ShowBrokers);
        }
        if self.kw("PROC") {
            return Ok(Statement::ShowProc(self.string()?));
        }
        if self.kw("DATABASES") {
            return Ok(Statement::ShowDatabases);
        }
        let _ = self.kw("FULL");
        if self.kw("TABLES") {
            let db = if self.kw("FROM") || self.kw("IN") {
                Some(self.ident()?)
            } else {
                None
            };
            return Ok(Statement::ShowTables(db));
        }
        let _ = self.kw("GLOBAL") || self.kw("SESSION");
        if self.kw("VARIABLES") {
            return Ok(Statement::ShowVariables { like: self.like()? });
        }
        Err(self.unexpected())
    }

    fn expr(&mut self) -> R<Expr> {
        let Some(t) = self.peek().cloned() else {
            return Err(self.unexpected());
        };
        self.i += 1;
        Ok(match t.tok {
            Tok::SysVar(v) => {
                let lower = v.to_ascii_lowercase();
                if let Some(n) = lower.strip_prefix("global.") {
                    Expr::SysVar {
                        name: n.into(),
                        global: true,
                    }
                } else if let Some(n) = lower
                    .strip_prefix("session.")
                    .or(lower.strip_prefix("local."))
                {
                    Expr::SysVar {
                        name: n.into(),
                        global: false,
                    }
                } else {
                    Expr::SysVar {
                        name: lower,
                        global: false,
                    }
                }
            }
            Tok::Str(s) => Expr::Str(s),
            Tok::Num(n) => Expr::Num(n),
            Tok::Sym(s) if s == "-" => match self.expr()? {
                Expr::Num(n) => Expr::Num(format!("-{n}")),
                _ => Expr::Other,
            },
            Tok::Sym(s) if s == "(" => {
                let e = self.expr()?;
                self.expect_sym(")")?;
                e
            }
            Tok::Word(w) if self.sym("(") => {
                let mut args = Vec::new();
                if !self.sym(")") {
                    loop {
                        args.push(self.expr()?);
                        if self.sym(")") {
                            break;
                        }
                        self.expect_sym(",")?;
                    }
                }
                Expr::Func(w.to_ascii_lowercase(), args)
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("NULL") => Expr::Null,
            Tok::Word(w) if w.eq_ignore_ascii_case("TRUE") || w.eq_ignore_ascii_case("ON") => {
                Expr::Bool(true)
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("FALSE") || w.eq_ignore_ascii_case("OFF") => {
                Expr::Bool(false)
            }
            Tok::Word(w) => Expr::Str(w),
            _ => Expr::Other,
        })
        .map(|e| {
            // an operator after the operand: not a constant for our purposes
            if self.at_operator() {
                while self.peek().is_some() && !self.at_item_end() {
                    self.i += 1;
                }
                Expr::Other
            } else {
                e
            }
        })
    }

    fn at_operator(&self) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Sym(s), .. })
            if ["+", "-", "*", "/", "%", "=", "<", ">", "<=", ">=", "!=", "<>"].contains(&s.as_str()))
    }

    fn at_item_end(&self) -> bool {
        match self.peek() {
            None => true,
            Some(t) => {
                matches!(&t.tok, Tok::Sym(s) if s == "," || s == ";" || s == ")")
                    || t.is_kw("LIMIT")
                    || t.is_kw("FROM")
                    || t.is_kw("AS")
            }
        }
    }

    fn select(&mut self) -> R<Statement> {
        let mut items = Vec::new();
        loop {
            let start = self.peek().map(|t| t.pos).unwrap_or(self.sql.len());
            let expr = self.expr()?;
            let end = self
                .toks
                .get(self.i - 1)
                .map(|t| t.pos + t.text.len())
                .unwrap_or(self.sql.len());
            let mut label = self.sql[start..end].to_string();
            if self.kw("AS") {
                label = self.ident().or_else(|_| self.string())?;
            } else if matches!(
                self.peek(),
                Some(Token {
                    tok: Tok::Word(_),
                    ..
                })
            ) && !self.peek().unwrap().is_kw("LIMIT")
                && !self.peek().unwrap().is_kw("FROM")
            {
                label = self.ident()?;
            }
            items.push(SelectItem { expr, label });
            if !self.sym(",") {
                break;
            }
        }
        if self.kw("FROM") {
            return self.from(items);
        }
        let limit = self.limit()?;
        Ok(Statement::Select(items, limit))
    }

    fn limit(&mut self) -> R<Option<u64>> {
        if self.kw("LIMIT") {
            Ok(Some(self.number()?.parse().map_err(|_| self.unexpected())?))
        } else {
            Ok(None)
        }
    }

    /// The rest of `SELECT items FROM [db.]table [ORDER BY c [ASC|DESC]] [LIMIT n]`.
    fn from(&mut self, items: Vec<SelectItem>) -> R<Statement> {
        let first = self.ident()?;
        let (db, table) = if self.sym(".") {
            (Some(first), self.ident()?)
        } else {
            (None, first)
        };
        let order_by = if self.kws(&["ORDER", "BY"]) {
            let column = self.ident()?;
            let desc = self.kw("DESC");
            if !desc {
                self.kw("ASC");
            }
            Some((column, desc))
        } else {
            None
        };
        let limit = self.limit()?;
        Ok(Statement::SelectFrom(TableQuery {
            columns: items.into_iter().map(|i| i.label).collect(),
            db,
            table,
            order_by,
            limit,
        }))
    }

    fn set(&mut self) -> R<Statement> {
        if self.kw("NAMES") || self.kws(&["CHARACTER", "SET"]) || self.kw("CHARSET") {
            while self.peek().is_some() && !self.sym(";") {
                self.i += 1;
            }
            return Ok(Statement::Noop);
        }
        if self.kw("PASSWORD") {
            if self.kw("FOR") {
                let _ = self.string().or_else(|_| self.ident())?;
                if matches!(
                    self.peek(),
                    Some(Token {
                        tok: Tok::UserVar(_),
                        ..
                    })
                ) {
                    self.i += 1;
                }
            }
            self.expect_sym("=")?;
            let pw = if self.kw("PASSWORD") {
                self.expect_sym("(")?;
                let s = self.string()?;
                self.expect_sym(")")?;
                s
            } else {
                self.string()?
            };
            return Ok(Statement::SetPassword(pw));
        }
        let mut items = Vec::new();
        loop {
            let mut global = false;
            if self.kw("GLOBAL") {
                global = true;
            } else {
                let _ = self.kw("SESSION") || self.kw("LOCAL");
            }
            let name = match self.peek().map(|t| t.tok.clone()) {
                Some(Tok::SysVar(v)) => {
                    self.i += 1;
                    let l = v.to_ascii_lowercase();
                    if let Some(n) = l.strip_prefix("global.") {
                        global = true;
                        n.to_string()
                    } else {
                        l.trim_start_matches("session.")
                            .trim_start_matches("local.")
                            .to_string()
                    }
                }
                Some(Tok::UserVar(v)) => {
                    self.i += 1;
                    format!("@{v}")
                }
                _ => self.ident()?.to_ascii_lowercase(),
            };
            if !self.sym("=") {
                self.expect_sym(":=")?;
            }
            let value = self.expr()?;
            items.push(SetItem {
                global,
                name,
                value,
            });
            if !self.sym(",") {
                break;
            }
        }
        Ok(Statement::Set(items))
    }

    fn alter_system(&mut self) -> R<AlterSystem> {
        if self.kw("ADD") {
            if self.kw("BACKEND") {
                return Ok(AlterSystem::AddBackends(self.string_list()?));
            }
            if self.kw("FOLLOWER") {
                return Ok(AlterSystem::AddFrontend(FeRole::Follower, self.string()?));
            }
            if self.kw("OBSERVER") {
                return Ok(AlterSystem::AddFrontend(FeRole::Observer, self.string()?));
            }
            if self.kws(&["COMPUTE", "NODE"]) {
                return Ok(AlterSystem::AddComputeNodes(self.string_list()?));
            }
            if self.kw("BROKER") {
                let name = self.ident()?;
                return Ok(AlterSystem::AddBrokers(name, self.string_list()?));
            }
        } else if self.kw("DROP") {
            if self.kw("BACKEND") {
                let l = self.string_list()?;
                return Ok(AlterSystem::DropBackends(l, self.kw("FORCE")));
            }
            if self.kw("FOLLOWER") {
                return Ok(AlterSystem::DropFrontend(FeRole::Follower, self.string()?));
            }
            if self.kw("OBSERVER") {
                return Ok(AlterSystem::DropFrontend(FeRole::Observer, self.string()?));
            }
            if self.kws(&["COMPUTE", "NODE"]) {
                return Ok(AlterSystem::DropComputeNodes(self.string_list()?));
            }
            if self.kws(&["ALL", "BROKER"]) {
                return Ok(AlterSystem::DropAllBrokers(self.ident()?));
            }
            if self.kw("BROKER") {
                let name = self.ident()?;
                return Ok(AlterSystem::DropBrokers(name, self.string_list()?));
            }
        } else if self.kws(&["CREATE", "IMAGE"]) {
            return Ok(AlterSystem::CreateImage);
        } else if self.kws(&["DECOMMISSION", "BACKEND"]) {
            return Ok(AlterSystem::Decommission(self.string_list()?));
        }
        Err(self.unexpected())
    }

    fn properties(&mut self) -> R<Vec<(String, String)>> {
        self.expect_sym("(")?;
        let mut v = Vec::new();
        if self.sym(")") {
            return Ok(v);
        }
        loop {
            let k = self.string()?;
            self.expect_sym("=")?;
            let val = match self.peek().map(|t| t.tok.clone()) {
                Some(Tok::Num(n)) => {
                    self.i += 1;
                    n
                }
                _ => self.string()?,
            };
            v.push((k, val));
            if self.sym(")") {
                return Ok(v);
            }
            self.expect_sym(",")?;
        }
    }

    fn admin(&mut self) -> R<Statement> {
        if self.kws(&["SET", "FRONTEND", "CONFIG"]) {
            return Ok(Statement::AdminSetConfig(self.properties()?));
        }
        if self.kws(&["SHOW", "FRONTEND", "CONFIG"]) {
            return Ok(Statement::ShowFrontendConfig { like: self.like()? });
        }
        if self.kw("SIM") {
            return Ok(Statement::Sim(self.sim()?));
        }
        Err(self.unexpected())
    }

    fn sim(&mut self) -> R<SimCommand> {
        if self.kws(&["KILL", "NODE"]) {
            return Ok(SimCommand::KillNode(self.string()?));
        }
        if self.kw("HEARTBEAT") {
            if self.kw("FAIL") {
                return Ok(SimCommand::HeartbeatFail(self.string()?, true));
            }
            if self.kw("OK") {
                return Ok(SimCommand::HeartbeatFail(self.string()?, false));
            }
        }
        if self.kws(&["DROP", "CONNECTIONS"]) {
            return Ok(SimCommand::DropConnections);
        }
        if self.kws(&["SET", "MIGRATION", "RATE"]) {
            let n = self.number()?;
            return Ok(SimCommand::MigrationRate(
                n.parse().map_err(|_| self.unexpected())?,
            ));
        }
        if self.kws(&["STALL", "MIGRATION"]) {
            return Ok(SimCommand::MigrationRate(0));
        }
        if self.kws(&["SWITCH", "LEADER"]) {
            return Ok(SimCommand::SwitchLeader(self.string()?));
        }
        if self.kws(&["FILL", "DISK"]) {
            let a = self.string()?;
            let pct = match self.peek().map(|t| t.tok.clone()) {
                Some(Tok::Num(n)) => {
                    self.i += 1;
                    n.parse().map_err(|_| self.unexpected())?
                }
                _ => 100.0,
            };
            return Ok(SimCommand::FillDisk(a, Some(pct)));
        }
        if self.kws(&["FREE", "DISK"]) {
            return Ok(SimCommand::FillDisk(self.string()?, None));
        }
        Err(self.unexpected())
    }

    fn create(&mut self) -> R<Statement> {
        if self.kw("DATABASE") || self.kw("SCHEMA") {
            let if_not_exists = self.kws(&["IF", "NOT", "EXISTS"]);
            return Ok(Statement::CreateDatabase {
                name: self.ident()?,
                if_not_exists,
            });
        }
        let _ = self.kw("EXTERNAL");
        if !self.kw("TABLE") {
            return Err(self.unexpected());
        }
        let if_not_exists = self.kws(&["IF", "NOT", "EXISTS"]);
        let mut name = self.ident()?;
        let mut db = None;
        if self.sym(".") {
            db = Some(name);
            name = self.ident()?;
        }
        // column list: skip balanced parentheses
        self.expect_sym("(")?;
        let mut depth = 1;
        while depth > 0 {
            match self.peek() {
                None => return Err(self.unexpected()),
                Some(Token {
                    tok: Tok::Sym(s), ..
                }) if s == "(" => depth += 1,
                Some(Token {
                    tok: Tok::Sym(s), ..
                }) if s == ")" => depth -= 1,
                _ => {}
            }
            self.i += 1;
        }
        let (mut buckets, mut props) = (None, Vec::new());
        while let Some(t) = self.peek().cloned() {
            if t.tok == Tok::Sym(";".into()) {
                break;
            }
            if self.kw("BUCKETS") {
                buckets = Some(self.number()?.parse().map_err(|_| self.unexpected())?);
            } else if self.kw("PROPERTIES") {
                props = self.properties()?;
            } else {
                self.i += 1;
            }
        }
        let get = |k: &str| {
            props
                .iter()
                .find(|(pk, _)| pk.eq_ignore_ascii_case(k))
                .map(|p| p.1.clone())
        };
        let replication_num = match get("replication_num") {
            Some(v) => Some(v.trim().parse().map_err(|_| {
                SqlError::new(format!(
                    "Replication num should larger than 0. (replication_num={v})"
                ))
            })?),
            None => None,
        };
        let tablet_bytes = get("sim_tablet_size").and_then(|v| format::parse_size(&v));
        Ok(Statement::CreateTable {
            db,
            name,
            if_not_exists,
            replication_num,
            buckets,
            tablet_bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_alter_system() {
        assert_eq!(
            parse("ALTER SYSTEM DROP BACKEND \"a:1\", 'b:2' FORCE;").unwrap(),
            Statement::AlterSystem(AlterSystem::DropBackends(
                vec!["a:1".into(), "b:2".into()],
                true
            ))
        );
        assert_eq!(
            parse("alter system add follower '127.0.0.1:9010'").unwrap(),
            Statement::AlterSystem(AlterSystem::AddFrontend(
                FeRole::Follower,
                "127.0.0.1:9010".into()
            ))
        );
    }

    #[test]
    fn parses_create_table() {
        let st = parse(
            "CREATE TABLE d.t (k INT, v VARCHAR(10)) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 8 PROPERTIES(\"replication_num\" = \"1\")",
        )
        .unwrap();
        assert_eq!(
            st,
            Statement::CreateTable {
                db: Some("d".into()),
                name: "t".into(),
                if_not_exists: false,
                replication_num: Some(1),
                buckets: Some(8),
                tablet_bytes: None
            }
        );
    }

    #[test]
    fn select_labels_are_the_source_text() {
        let Statement::Select(items, limit) = parse("select @@version_comment limit 1").unwrap()
        else {
            panic!()
        };
        assert_eq!(items[0].label, "@@version_comment");
        assert_eq!(limit, Some(1));
    }

    #[test]
    fn parses_a_system_table_query() {
        let st = parse(
            "SELECT DB_NAME, TABLE_NAME, REPLICATION_NUM FROM information_schema.partitions_meta ORDER BY REPLICATION_NUM DESC LIMIT 1",
        )
        .unwrap();
        assert_eq!(
            st,
            Statement::SelectFrom(TableQuery {
                columns: vec![
                    "DB_NAME".into(),
                    "TABLE_NAME".into(),
                    "REPLICATION_NUM".into()
                ],
                db: Some("information_schema".into()),
                table: "partitions_meta".into(),
                order_by: Some(("REPLICATION_NUM".into(), true)),
                limit: Some(1),
            })
        );
        let Statement::SelectFrom(q) = parse("select * from t").unwrap() else {
            panic!("not a table query")
        };
        assert_eq!(
            (q.columns, q.db, q.order_by),
            (vec!["*".into()], None, None)
        );
    }

    #[test]
    fn garbage_is_a_syntax_error() {
        let e = parse("FROB the cluster").unwrap_err();
        assert_eq!(e.code, 1064);
        assert!(
            e.msg
                .starts_with("Getting syntax error at line 1, column 0."),
            "{}",
            e.msg
        );
    }

    #[test]
    fn random_input_never_panics() {
        let words = [
            "SELECT",
            "SHOW",
            "ALTER",
            "SYSTEM",
            "ADD",
            "DROP",
            "BACKEND",
            "'a:1'",
            "(",
            ")",
            ",",
            "@@x",
            "=",
            "CREATE",
            "TABLE",
            "PROPERTIES",
            "BUCKETS",
            "3",
            "\"",
            "'",
            "`",
            ";",
            "ADMIN",
            "SIM",
            "--",
            "/*",
            "SET",
            "LIKE",
            "FROM",
            "AS",
            "LIMIT",
            "-",
            "@",
            "\u{e9}",
        ];
        let mut x: u64 = 0x2545F4914F6CDD1D;
        for _ in 0..5000 {
            let mut q = String::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for i in 0..(x % 9) {
                q.push_str(words[((x >> (i * 5)) % words.len() as u64) as usize]);
                q.push(' ');
            }
            let _ = parse(&q);
        }
    }
}
