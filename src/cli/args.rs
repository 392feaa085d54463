//! The command line, as clap parses it. Doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The exit codes, shown at the end of `--help` and in the man page (docs/output.md has the
/// full list of what falls under each).
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  any other error (I/O, SQLite, a busy or read-only database, check finding problems)
  2  usage or invalid input (bad options, values, dates, text, import files)
  3  not found or ambiguous (no such claim, source, article, remote or member)
  4  not a claimdb database, written by a newer claimdb, or damaged
  5  the remote refused or failed (unreachable, bad token, refused changes)";

/// Log checkable claims with who said and who relayed them, record verdicts with
/// their rationale, search, and export for spreadsheets and ClaimReview.
#[derive(Debug, Parser)]
#[command(
    name = "claimdb",
    version,
    max_term_width = 100,
    after_help = EXIT_CODES,
    after_long_help = EXIT_CODES
)]
pub struct Cli {
    /// The database file [default: claimdb/claims.db under the XDG data directory]
    #[arg(long, global = true, env = "CLAIMDB_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Print one JSON document instead of tables
    #[arg(long, global = true)]
    pub json: bool,

    /// Record changes under this name [default: from the config file, then $USER]
    #[arg(long, global = true, env = "CLAIMDB_USER", value_name = "NAME")]
    pub user: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database (other commands create it on first use too)
    Init,
    /// People, outlets, organizations and documents that say or relay claims
    #[command(subcommand)]
    Source(SourceCmd),
    /// Articles where claims appear
    #[command(subcommand)]
    Article(ArticleCmd),
    /// Checkable claims
    #[command(subcommand)]
    Claim(ClaimCmd),
    /// Record a verdict on a claim; it supersedes the claim's current verdicts
    Mark {
        /// Claim id or unique prefix
        id: String,
        /// verified, mostly-true, mixed, misleading, false, unverifiable, in-progress, unverified
        status: String,
        /// The rationale
        #[arg(long)]
        note: Option<String>,
        /// A link backing the verdict (repeatable)
        #[arg(long, value_name = "URL")]
        evidence: Vec<String>,
    },
    /// Evidence for or against a claim
    #[command(subcommand)]
    Evidence(EvidenceCmd),
    /// Propose the attributed claims in an article's text, and log the ones you accept
    Extract(ExtractArgs),
    /// Full-text search over claims, quotes, notes and names
    Search {
        /// Words to look for (each may be the start of a word)
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// The claims most like a claim or a text, with the verdicts they carry
    Similar(SimilarArgs),
    /// The recorded operations, newest first
    Log {
        /// Only operations about this claim, article or source
        id: Option<String>,
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Export the database
    Export(ExportArgs),
    /// Import a claimdb JSON, JSON Lines or CSV file, or reviews published elsewhere
    /// (ClaimReview JSON-LD, an HTML page's JSON-LD, a Fact Check Tools search result): all of
    /// it, or nothing
    Import {
        /// The file to read, or - for standard input
        file: PathBuf,
        /// json, jsonl, csv or claimreview [default: from the content, then the extension]
        #[arg(long)]
        format: Option<String>,
        /// CSV: keep a leading ' that export put before a formula-like cell
        #[arg(long)]
        raw_cells: bool,
        /// Reviews: leave out (and list) items without a claim or a rating, and import the
        /// rest; without it, any such item refuses the whole file
        #[arg(long)]
        skip_invalid: bool,
    },
    /// Check that the database is sound and that its log explains every row
    Check,
    /// Write a consistent copy of the database to a new file (safe while others write)
    Backup {
        /// The copy to create
        file: PathBuf,
    },
    /// Remotes this database syncs with
    #[command(subcommand)]
    Remote(RemoteCmd),
    /// Send this database's new changes to a remote [default remote: origin]
    Push {
        remote: Option<String>,
        #[command(flatten)]
        sizes: TransferSizes,
    },
    /// Fetch and apply everyone else's changes from a remote [default: origin]
    Pull {
        remote: Option<String>,
        #[command(flatten)]
        sizes: TransferSizes,
        #[command(flatten)]
        join: JoinFlags,
    },
    /// Push, then pull [default remote: origin]
    Sync {
        remote: Option<String>,
        #[command(flatten)]
        sizes: TransferSizes,
        #[command(flatten)]
        join: JoinFlags,
    },
    /// Disputed claims and fields edited concurrently
    Conflicts,
    /// Run the team sync server
    Serve {
        #[command(flatten)]
        db: ServerDb,
        /// Address to listen on (port 0 picks a free port)
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7878")]
        listen: String,
        /// Failed logins allowed per client address per minute before answering 429
        #[arg(long, value_name = "N", default_value_t = 60)]
        auth_failures_per_minute: u32,
        /// Serve HTTPS with this certificate chain (PEM); needs --tls-key
        #[arg(long, value_name = "PEM", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM)
        #[arg(long, value_name = "PEM", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Where the board keeps its copy of each workspace (a cache, rebuilt from the log
        /// when deleted). Default: DIR/board with --data; a new temporary directory per
        /// process with --database
        #[arg(long, value_name = "DIR")]
        board_dir: Option<PathBuf>,
    },
    /// Administer a server's data: workspaces and members
    #[command(subcommand)]
    Server(ServerCmd),
    /// A walkthrough on a temporary database
    Demo,
    /// Print a shell completion script
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff), or write one page per command into a folder
    Man {
        /// Write claimdb.1 and claimdb-COMMAND.1 pages here instead of printing claimdb.1
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct TransferSizes {
    /// Operations per push request (at most 1000)
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub batch: u64,
    /// Operations per pulled page (at most 5000)
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=5000))]
    pub page: u64,
}

/// How an empty database joins a workspace: by default, from the server's snapshot when the
/// log holds 10,000 operations or more, or when an earlier join was interrupted.
#[derive(Debug, Args)]
pub struct JoinFlags {
    /// Join from the server's snapshot whenever this database is empty
    #[arg(long, conflicts_with = "no_snapshot")]
    pub snapshot: bool,
    /// Replay the whole log instead of starting from the server's snapshot
    #[arg(long)]
    pub no_snapshot: bool,
}

impl JoinFlags {
    pub fn mode(&self) -> claimdb::sync::snapshot::JoinMode {
        use claimdb::sync::snapshot::JoinMode;
        match (self.snapshot, self.no_snapshot) {
            (true, _) => JoinMode::Always,
            (_, true) => JoinMode::Never,
            _ => JoinMode::Auto,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum RemoteCmd {
    /// Add a remote: http(s)://HOST[:PORT]/WORKSPACE
    Add {
        name: String,
        url: String,
        /// Access token (kept in credentials.toml beside the config file, mode 0600; or set
        /// CLAIMDB_TOKEN when syncing instead)
        #[arg(long)]
        token: Option<String>,
        /// Also trust this CA certificate (PEM), for a team's self-signed server
        #[arg(long, value_name = "PATH")]
        ca_cert: Option<PathBuf>,
    },
    /// List remotes
    List,
    /// Forget a remote
    Remove { name: String },
    /// Point a remote at a new URL, keeping what was pushed and pulled
    SetUrl { name: String, url: String },
    /// Forget what was pushed to and pulled from a remote, so the next sync sends and reads
    /// everything again (after the server was restored from a backup)
    Reset { name: String },
    /// Unpushed changes, pull cursor and last sync of a remote (or all)
    Status { name: Option<String> },
}

#[derive(Debug, Subcommand)]
pub enum ServerCmd {
    /// Create a workspace (one desk's shared claims)
    WorkspaceCreate {
        name: String,
        #[command(flatten)]
        db: ServerDb,
    },
    /// Add a member and print their token (shown once, stored only as a hash)
    MemberAdd {
        workspace: String,
        name: String,
        /// reader, writer or admin
        #[arg(long, default_value = "writer")]
        role: String,
        #[command(flatten)]
        db: ServerDb,
    },
    /// List a workspace's members
    Members {
        workspace: String,
        #[command(flatten)]
        db: ServerDb,
    },
    /// Write a consistent copy of the server database (safe while it serves); on
    /// PostgreSQL, a pg_dump archive in its custom format (restore it with pg_restore)
    Backup {
        file: PathBuf,
        #[command(flatten)]
        db: ServerDb,
    },
    /// Revoke a member's token
    Revoke {
        workspace: String,
        name: String,
        #[command(flatten)]
        db: ServerDb,
    },
    /// Copy a SQLite server's data (workspaces, members, tokens, logs with their sequence
    /// numbers) into an empty PostgreSQL database; members keep syncing without a reset
    Migrate {
        /// The SQLite server's data directory
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
        /// The PostgreSQL database: postgres://USER:PASSWORD@HOST:PORT/DATABASE
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

/// Where a server keeps its data: a directory with a SQLite database, or PostgreSQL.
#[derive(Debug, Args)]
pub struct ServerDb {
    /// Directory of the server's own SQLite database (takes precedence over --database)
    #[arg(long, value_name = "DIR", required_unless_present = "database")]
    pub data: Option<PathBuf>,
    /// A PostgreSQL database instead: postgres://USER:PASSWORD@HOST:PORT/DATABASE, with
    /// libpq's sslmode=require and sslrootcert=FILE for TLS
    #[arg(
        long,
        value_name = "URL",
        env = "CLAIMDB_DATABASE_URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// Connections to PostgreSQL per server process
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub pool_size: usize,
}

#[derive(Debug, Subcommand)]
pub enum SourceCmd {
    /// Add a source
    Add {
        name: String,
        /// person, outlet, organization or document
        #[arg(long, default_value = "person")]
        kind: String,
        /// Another name it goes by (repeatable)
        #[arg(long)]
        alias: Vec<String>,
        #[arg(long)]
        url: Option<String>,
        /// Create the source even though its name nearly matches an existing one's
        #[arg(long)]
        new_source: bool,
    },
    /// Give a source more names it goes by
    Alias {
        /// The source's name, an alias or its id
        name: String,
        #[arg(required = true)]
        aliases: Vec<String>,
    },
    /// List sources
    List,
    /// Show a source by name, alias or id
    Show { name: String },
    /// Merge DROP into KEEP: DROP's claims, appearances and articles name KEEP, and DROP's
    /// names become aliases of KEEP
    Merge {
        /// The source that stays: name, alias or id
        keep: String,
        /// The source merged into it: name, alias or id
        drop: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ArticleCmd {
    /// Add an article
    Add {
        url: Option<String>,
        #[arg(long)]
        title: Option<String>,
        /// The outlet that published it (created if new)
        #[arg(long, value_name = "NAME")]
        outlet: Option<String>,
        /// Publication date, YYYY-MM-DD
        #[arg(long, value_name = "DATE")]
        published: Option<String>,
        /// Language code, e.g. en, ru, tr
        #[arg(long, value_name = "L")]
        lang: Option<String>,
        /// Store the article's text from this UTF-8 file (- for standard input)
        #[arg(long, value_name = "PATH")]
        text_file: Option<PathBuf>,
        /// Then propose the claims in its text, as `claimdb extract` does
        #[arg(long)]
        extract: bool,
        /// With --extract: log candidates as claims, all or by number (1,3)
        #[arg(long, value_name = "all|N,M,...")]
        accept: Option<String>,
        /// Create the outlet (or, with --accept, a speaker or relay) even though a name nearly matches an existing one's
        #[arg(long)]
        new_source: bool,
    },
    /// List articles
    List,
    /// Show an article by id or URL
    Show {
        id: String,
        /// Print the article's stored text, exactly as stored
        #[arg(long)]
        text: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClaimCmd {
    /// Log a claim
    Add {
        text: String,
        /// Who made the claim (created as a person if new)
        #[arg(long, value_name = "NAME")]
        speaker: Option<String>,
        /// Who relayed it (created as an outlet if new)
        #[arg(long, value_name = "NAME")]
        via: Option<String>,
        /// Where it appeared: article id or URL
        #[arg(long, value_name = "ID|URL")]
        article: Option<String>,
        /// The exact words in the article
        #[arg(long, value_name = "Q")]
        quote: Option<String>,
        /// When it was said, YYYY-MM-DD
        #[arg(long, value_name = "DATE")]
        said_on: Option<String>,
        #[arg(long, value_name = "T")]
        tag: Vec<String>,
        /// Record a first verdict
        #[arg(long, value_name = "S")]
        status: Option<String>,
        /// The verdict's rationale
        #[arg(long, value_name = "N", requires = "status")]
        note: Option<String>,
        /// Create a source for --speaker or --via even though its name nearly matches an existing one's
        #[arg(long)]
        new_source: bool,
    },
    /// Record another appearance of a claim
    Appear {
        id: String,
        #[arg(long, value_name = "ID|URL")]
        article: String,
        #[arg(long, value_name = "NAME")]
        via: Option<String>,
        #[arg(long, value_name = "Q")]
        quote: Option<String>,
        /// Create a source for --via even though its name nearly matches an existing one's
        #[arg(long)]
        new_source: bool,
    },
    /// List claims, newest first
    List(ListArgs),
    /// Show everything about a claim
    Show { id: String },
    /// Change a claim
    Edit {
        id: String,
        #[arg(long)]
        text: Option<String>,
        /// New speaker ("none" to clear)
        #[arg(long, value_name = "NAME")]
        speaker: Option<String>,
        /// New date ("none" to clear)
        #[arg(long, value_name = "DATE")]
        said_on: Option<String>,
        #[arg(long, value_name = "T")]
        add_tag: Vec<String>,
        #[arg(long, value_name = "T")]
        remove_tag: Vec<String>,
        /// Create a source for --speaker even though its name nearly matches an existing one's
        #[arg(long)]
        new_source: bool,
    },
    /// Delete a claim (kept in the log; `claim list --deleted` shows it)
    Rm { id: String },
    /// Bring back a deleted claim
    Restore { id: String },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only claims with this status (repeatable; `disputed` allowed)
    #[arg(long, value_name = "S")]
    pub status: Vec<String>,
    #[arg(long, value_name = "NAME")]
    pub speaker: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub via: Option<String>,
    #[arg(long, value_name = "ID|URL")]
    pub article: Option<String>,
    #[arg(long, value_name = "T")]
    pub tag: Option<String>,
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// Include deleted claims
    #[arg(long)]
    pub deleted: bool,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// A stored article: its id, a unique id prefix or its URL; - reads a text from standard
    /// input instead
    #[arg(value_name = "ARTICLE")]
    pub article: Option<String>,
    /// Read the text from this UTF-8 file instead of a stored article
    #[arg(long, value_name = "PATH")]
    pub text_file: Option<PathBuf>,
    /// Log candidates as claims on the article: all, or their numbers (1,3)
    #[arg(long, value_name = "all|N,M,...")]
    pub accept: Option<String>,
    /// With --accept: show what would be logged and created, and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// With --accept: create speakers and relays even when a name nearly matches an
    /// existing source's
    #[arg(long)]
    pub new_source: bool,
    /// Score the extractor on a directory of annotated texts and print the report
    #[arg(long, value_name = "DIR")]
    pub eval: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCmd {
    /// Attach a link to a claim
    Add {
        id: String,
        url: String,
        /// supports, refutes or context
        #[arg(long, default_value = "context")]
        stance: String,
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// json, jsonl, csv or claimreview
    #[arg(long, default_value = "json")]
    pub format: String,
    /// Write to this file instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// ClaimReview: the publishing organisation [default: from the config file]
    #[arg(long)]
    pub publisher: Option<String>,
    /// ClaimReview: review URLs are this prefix plus the claim id [default: urn:uuid:ID]
    #[arg(long, value_name = "URL")]
    pub url_base: Option<String>,
    /// CSV: write cells as they are, without a ' before formula-like cells
    #[arg(long)]
    pub raw_cells: bool,
    /// CSV: write a byte-order mark and CRLF line ends, so Excel opens any script correctly
    #[arg(long)]
    pub excel: bool,
    /// Only claims with this status (repeatable; `disputed` allowed)
    #[arg(long, value_name = "S")]
    pub status: Vec<String>,
    /// Only claims logged on or after this day (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only claims with this tag
    #[arg(long, value_name = "T")]
    pub tag: Option<String>,
    /// ClaimReview: the publisher's web address [default: from the config file]
    #[arg(long, value_name = "URL")]
    pub publisher_url: Option<String>,
    /// ClaimReview: the publisher's logo image address [default: from the config file]
    #[arg(long, value_name = "URL")]
    pub logo: Option<String>,
    /// ClaimReview: the reviews' language, e.g. en or ru [default: from the config file]
    #[arg(long, value_name = "L")]
    pub language: Option<String>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}

#[derive(Debug, Args)]
pub struct SimilarArgs {
    /// A claim's id (or a unique prefix of it), or a text to compare; the words of a text may
    /// be given unquoted
    #[arg(value_name = "ID|TEXT", num_args = 0..)]
    pub query: Vec<String>,
    /// Compare the words as a text even when they look like a claim id
    #[arg(long)]
    pub text: bool,
    /// How many claims to list
    #[arg(long, default_value_t = 5)]
    pub limit: usize,
    /// List only claims that score at least this, from 0 to 1
    #[arg(long, default_value_t = 0.0)]
    pub min_score: f64,
    /// Measure the matching on a JSON Lines file of labelled claims (precision and recall at
    /// the top 5); uses a temporary database, not yours
    #[arg(long, value_name = "FILE", conflicts_with_all = ["query", "text"])]
    pub eval: Option<PathBuf>,
}
