//! Files the user names for output (`export -o`, `backup`): never the database itself, a
//! stream for a pipe or device, an atomic replacement for a regular file.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use claimdb::Error;

/// The files SQLite keeps for the database at `db`: the file and its `-wal`, `-shm` and
/// `-journal` companions.
fn database_files(db: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|ext| {
            let mut p = db.as_os_str().to_owned();
            p.push(ext);
            PathBuf::from(p)
        })
        .collect()
}

/// Where `path` leads: symbolic links followed (a dangling one to the path it names), the
/// folders made canonical. A path that does not exist yet keeps its last component.
pub fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let mut p = std::path::absolute(path)?;
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                };
            }
            Ok(_) => return std::fs::canonicalize(&p),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let (Some(dir), Some(name)) = (p.parent(), p.file_name()) else {
                    return Ok(p);
                };
                return Ok(std::fs::canonicalize(dir)?.join(name));
            }
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// Refuse `path` when it is, or leads to, the database at `db` or one of its companion
/// files: by name after following links, and by device and inode (a hard link).
pub fn refuse_database(path: &Path, db: &Path) -> Result<(), Error> {
    let refuse = || {
        Error::Invalid(format!(
            "{} is the database {} (or one of its files); write to another path",
            path.display(),
            db.display()
        ))
    };
    let target = resolve(path).ok();
    let target_meta = std::fs::metadata(path).ok();
    let db = resolve(db).unwrap_or_else(|_| db.to_path_buf());
    for file in database_files(&db) {
        if target.as_ref() == Some(&file) {
            return Err(refuse());
        }
        if let (Some(t), Ok(f)) = (&target_meta, std::fs::metadata(&file))
            && t.dev() == f.dev()
            && t.ino() == f.ino()
        {
            return Err(refuse());
        }
    }
    Ok(())
}

/// An output being written.
pub enum Output {
    /// Standard output.
    Stdout(Watch<std::io::StdoutLock<'static>>),
    /// A pipe or character device, written in place.
    Stream(Watch<BufWriter<File>>),
    /// A temporary file beside `dest`, renamed over it by [`Output::finish`].
    Atomic {
        file: BufWriter<File>,
        tmp: PathBuf,
        dest: PathBuf,
    },
}

impl Output {
    /// Open `path` (`-` for standard output) for writing an export of the database at `db`.
    pub fn open(path: &Path, db: &Path) -> anyhow::Result<Output> {
        if path == Path::new("-") {
            return Ok(Output::Stdout(Watch::new(std::io::stdout().lock())));
        }
        refuse_database(path, db)?;
        let cannot = |e: std::io::Error| Error::io(format!("cannot create {}", path.display()), e);
        let dest = resolve(path).map_err(cannot)?;
        match std::fs::metadata(&dest) {
            Ok(m) if m.file_type().is_fifo() || m.file_type().is_char_device() => {
                let f = OpenOptions::new().write(true).open(&dest).map_err(cannot)?;
                Ok(Output::Stream(Watch::new(BufWriter::new(f))))
            }
            Ok(m) if m.is_dir() => Err(Error::Invalid(format!(
                "{} is a folder; name a file to write",
                path.display()
            ))
            .into()),
            Ok(m) if !m.is_file() => Err(Error::Invalid(format!(
                "{} is neither a regular file, a pipe nor a character device; name a file to write",
                path.display()
            ))
            .into()),
            existing => {
                let dir = dest.parent().unwrap_or(Path::new("/"));
                let name = dest.file_name().unwrap_or_default().to_string_lossy();
                let (tmp, file) = temp_beside(dir, &name).map_err(cannot)?;
                if let Ok(m) = existing {
                    // The replacement keeps the permissions of the file it replaces.
                    let _ = file.set_permissions(m.permissions());
                }
                Ok(Output::Atomic {
                    file: BufWriter::new(file),
                    tmp,
                    dest,
                })
            }
        }
    }

    pub fn writer(&mut self) -> &mut dyn Write {
        match self {
            Output::Stdout(w) => w,
            Output::Stream(w) => w,
            Output::Atomic { file, .. } => file,
        }
    }

    /// Whether the reader of a pipe went away (`| head`): not an error, the output stops.
    pub fn broken(&self) -> bool {
        match self {
            Output::Stdout(w) => w.broken,
            Output::Stream(w) => w.broken,
            Output::Atomic { .. } => false,
        }
    }

    /// Flush, and for a regular file put the finished file in place.
    pub fn finish(self) -> anyhow::Result<()> {
        let io = |e: std::io::Error| Error::io("cannot write the export", e);
        match self {
            Output::Stdout(mut w) => w.flush().or_else(|e| w.quiet(e)).map_err(io)?,
            Output::Stream(mut w) => w.flush().or_else(|e| w.quiet(e)).map_err(io)?,
            Output::Atomic { file, tmp, dest } => {
                let done = file
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .and_then(|f| f.sync_all())
                    .and_then(|()| std::fs::rename(&tmp, &dest));
                if let Err(e) = done {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(Error::io(format!("cannot write {}", dest.display()), e).into());
                }
                if let Some(dir) = dest.parent()
                    && let Ok(d) = File::open(dir)
                {
                    let _ = d.sync_all();
                }
            }
        }
        Ok(())
    }

    /// Give up: a temporary file is removed, the destination left as it was.
    pub fn abandon(self) {
        if let Output::Atomic { file, tmp, .. } = self {
            drop(file);
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// A new file in `dir`, named after `name`, that did not exist before.
fn temp_beside(dir: &Path, name: &str) -> std::io::Result<(PathBuf, File)> {
    let mut last = None;
    for _ in 0..16 {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        let tmp = dir.join(format!(".{name}.{}.claimdb-tmp", &tag[..12]));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no temporary name")))
}

/// A writer that remembers whether its reader went away.
pub struct Watch<W> {
    inner: W,
    broken: bool,
}

impl<W: Write> Watch<W> {
    fn new(inner: W) -> Self {
        Watch {
            inner,
            broken: false,
        }
    }

    /// A broken pipe is where the output ends, not a failure.
    fn quiet(&self, e: std::io::Error) -> std::io::Result<()> {
        if self.broken { Ok(()) } else { Err(e) }
    }

    fn note<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r
            && e.kind() == std::io::ErrorKind::BrokenPipe
        {
            self.broken = true;
        }
        r
    }
}

impl<W: Write> Write for Watch<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}

/// Write `bytes` to standard output; a reader that went away ends it quietly.
pub fn print_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::io("cannot write to standard output", e).into())
        }
        _ => Ok(()),
    }
}
