// SPDX-License-Identifier: GPL-3.0-or-later
#include "sources/FileSource.h"

#include "sources/WatchLog.h"
#include "x509/OpenSsl.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QFutureWatcher>
#include <QSet>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <chrono>

#include <sys/stat.h>

namespace certrotor {

/// What a worker found at the path. Produced on Source::readPool(), consumed on the owning thread.
struct FileReadResult
{
    enum class Kind { Missing, Failed, Unchanged, Changed };
    Kind kind = Kind::Missing;
    bool isDirectory = false;
    QStringList files; // absolute paths of the files read (a directory's members, or the file)
    QByteArray sha256; // the revision (raw digest)
    std::shared_ptr<const Bundle> bundle; // Changed only
    QString error; // Failed only
};

namespace {

constexpr qint64 kMaxBundleBytes = 64 * 1024 * 1024;

qint64 steadyNowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// The device and inode a path resolves to (symlinks followed); empty when it does not resolve.
QByteArray identityOf(const QString& path)
{
    struct stat st{};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return {};
    return QByteArray::number(quint64(st.st_dev)) + ':' + QByteArray::number(quint64(st.st_ino));
}

enum class ReadOutcome { Ok, Missing, Failed };

ReadOutcome readWhole(const QString& path, QByteArray& data, QString& error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (!QFileInfo::exists(path))
            return ReadOutcome::Missing; // went away between the listing and the read
        error = QStringLiteral("%1: cannot read: %2").arg(path, file.errorString());
        return ReadOutcome::Failed;
    }
    if (file.size() > kMaxBundleBytes) {
        error = QStringLiteral("%1: larger than %2 MiB, not read as a CA bundle").arg(path).arg(kMaxBundleBytes >> 20);
        return ReadOutcome::Failed;
    }
    data = file.read(kMaxBundleBytes + 1);
    if (data.size() > kMaxBundleBytes) {
        error = QStringLiteral("%1: larger than %2 MiB, not read as a CA bundle").arg(path).arg(kMaxBundleBytes >> 20);
        return ReadOutcome::Failed;
    }
    if (file.error() != QFileDevice::NoError) {
        error = QStringLiteral("%1: cannot read: %2").arg(path, file.errorString());
        return ReadOutcome::Failed;
    }
    return ReadOutcome::Ok;
}

FileReadResult readFileBundle(const QString& path, const QByteArray& lastSha256, const std::shared_ptr<BundleCache>& cache)
{
    FileReadResult r;
    r.files << path;
    QByteArray data;
    switch (readWhole(path, data, r.error)) {
    case ReadOutcome::Missing:
        r.kind = FileReadResult::Kind::Missing;
        return r;
    case ReadOutcome::Failed:
        r.kind = FileReadResult::Kind::Failed;
        return r;
    case ReadOutcome::Ok:
        break;
    }
    r.sha256 = ossl::sha256(data);
    if (r.sha256 == lastSha256) {
        r.kind = FileReadResult::Kind::Unchanged; // identical rewrite: not even parsed
        return r;
    }
    r.kind = FileReadResult::Kind::Changed;
    r.bundle = cache->parse(data, path, r.sha256);
    return r;
}

FileReadResult readDirectoryBundle(const QString& path, const QByteArray& lastSha256,
                                   const std::shared_ptr<BundleCache>& cache)
{
    FileReadResult r;
    r.isDirectory = true;
    // `..data`, `..2026_…` and editors' dot-files are skipped; `ca.crt -> ..data/ca.crt` is read.
    const QStringList files = bundleFilesInDirectory(path);
    QList<QPair<QString, QByteArray>> contents;
    QByteArray digestInput;
    for (const QString& filePath : files) {
        const QFileInfo info(filePath);
        QByteArray data;
        QString error;
        switch (readWhole(filePath, data, error)) {
        case ReadOutcome::Missing:
            continue; // removed while we listed: the watch brings another read
        case ReadOutcome::Failed:
            r.kind = FileReadResult::Kind::Failed;
            r.error = error;
            r.files << filePath;
            return r;
        case ReadOutcome::Ok:
            break;
        }
        r.files << filePath;
        const QByteArray sha = ossl::sha256(data);
        digestInput += info.fileName().toUtf8() + '\0' + sha;
        contents.append({filePath, data});
    }
    r.sha256 = ossl::sha256(digestInput);
    if (r.sha256 == lastSha256) {
        r.kind = FileReadResult::Kind::Unchanged;
        return r;
    }
    r.kind = FileReadResult::Kind::Changed;
    auto bundle = std::make_shared<Bundle>();
    bundle->name = path;
    bundle->contentSha256 = r.sha256;
    for (const auto& [filePath, data] : std::as_const(contents)) {
        const std::shared_ptr<const Bundle> part = cache->parse(data, filePath);
        bundle->entries += part->entries;
        bundle->issues += part->issues;
    }
    if (contents.isEmpty())
        bundle->issues << ParseIssue{ParseIssue::Severity::Error, SourceLocation{path, 0, 0, 0},
                                     QStringLiteral("no bundle files in this directory")};
    r.bundle = std::move(bundle);
    return r;
}

FileReadResult readSource(const QString& path, const QByteArray& lastSha256, const std::shared_ptr<BundleCache>& cache)
{
    const QFileInfo info(path); // follows symlinks
    if (!info.exists()) {
        FileReadResult r;
        r.kind = FileReadResult::Kind::Missing;
        return r;
    }
    if (info.isDir())
        return readDirectoryBundle(path, lastSha256, cache);
    return readFileBundle(path, lastSha256, cache);
}

QString nearestExistingDirectory(const QString& absPath)
{
    QString dir = QFileInfo(absPath).absolutePath();
    for (int i = 0; i < 256; ++i) {
        const QFileInfo info(dir);
        if (info.exists() && info.isDir())
            return dir;
        const QString up = info.absolutePath();
        if (up == dir)
            break;
        dir = up;
    }
    return {};
}

// The directory to watch beside a file: its parent, except that a path given through a Secret
// volume's `..data` (or a `..2026_…` directory) is watched at the volume directory, because a watch on
// `..data` follows it into the timestamped directory and dies when that directory is removed.
QString watchableParent(const QString& absFilePath)
{
    QString dir = QFileInfo(absFilePath).absolutePath();
    while (QFileInfo(dir).fileName().startsWith(QLatin1String(".."))) {
        const QString up = QFileInfo(dir).absolutePath();
        if (up == dir)
            break;
        dir = up;
    }
    return dir;
}

} // namespace

FileSource::FileSource(QString path, QObject* parent)
    : Source(parent), m_path(std::move(path)), m_absPath(QDir::cleanPath(QFileInfo(m_path).absoluteFilePath()))
{
    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setTimerType(Qt::PreciseTimer); // a coarse timer may fire up to 5% late
    connect(m_debounce, &QTimer::timeout, this, &FileSource::startRead);
}

FileSource::~FileSource() = default;

QString FileSource::id() const
{
    return m_absPath;
}

QString FileSource::displayName() const
{
    const QString name = QFileInfo(m_absPath).fileName();
    return name.isEmpty() ? m_absPath : name;
}

void FileSource::setDebounceMs(int ms)
{
    m_debounceMs = qMax(0, ms);
}

QStringList FileSource::watchedPaths() const
{
    if (!m_watcher)
        return {};
    return m_watcher->files() + m_watcher->directories();
}

void FileSource::start()
{
    if (m_started)
        return;
    m_started = true;
    if (!m_watcher) {
        m_watcher = new QFileSystemWatcher(this);
        connect(m_watcher, &QFileSystemWatcher::fileChanged, this, &FileSource::onWatcherSignal);
        connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, &FileSource::onWatcherSignal);
    }
    qCDebug(lcWatch).noquote() << "watching" << m_absPath;
    // Arm what can be known without reading (the path and its directory, or the nearest existing
    // ancestor) before the first read, so a change during that read is signalled, not missed.
    FileReadResult guess;
    const QFileInfo info(m_absPath);
    guess.kind = info.exists() ? FileReadResult::Kind::Unchanged : FileReadResult::Kind::Missing;
    guess.isDirectory = info.isDir();
    rearm(guess);
    startRead();
}

void FileSource::stop()
{
    if (!m_started)
        return;
    m_started = false;
    ++m_sequence; // reads in flight become stale
    m_debounce->stop();
    m_burstActive = false;
    const QStringList watched = watchedPaths();
    if (!watched.isEmpty())
        m_watcher->removePaths(watched);
    m_watchedIdentity.clear();
    setStatus(Status::Idle);
}

void FileSource::onWatcherSignal(const QString& path)
{
    if (!m_started)
        return;
    qCDebug(lcWatch).noquote() << m_absPath << "signal for" << path;
    const qint64 now = steadyNowNs();
    if (!m_burstActive) {
        m_burstActive = true;
        m_burstStartNs = now;
        m_burstSeenAt = QDateTime::currentDateTimeUtc();
    }
    // Trailing debounce: re-read once the burst has been quiet for m_debounceMs, but never later than
    // 4x that after its first signal, so a file rewritten non-stop is still read.
    const qint64 elapsedMs = (now - m_burstStartNs) / 1000000;
    const qint64 maxWaitMs = 4LL * m_debounceMs;
    const qint64 waitMs = std::clamp<qint64>(maxWaitMs - elapsedMs, 0, m_debounceMs);
    m_debounce->start(int(waitMs));
}

void FileSource::startRead()
{
    if (!m_started)
        return;
    const quint64 sequence = ++m_sequence;
    const qint64 burstStartNs = m_burstActive ? m_burstStartNs : -1;
    const QDateTime burstSeenAt = m_burstActive ? m_burstSeenAt : QDateTime();
    m_burstActive = false;

    auto* watcher = new QFutureWatcher<FileReadResult>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, sequence, burstStartNs, burstSeenAt] {
        watcher->deleteLater();
        if (watcher->isCanceled())
            return;
        onReadFinished(sequence, burstStartNs, burstSeenAt, watcher->result());
    });
    watcher->setFuture(QtConcurrent::run(Source::readPool(), [path = m_absPath, last = m_lastSha256,
                                                              cache = bundleCache(), hook = m_readHook, sequence] {
        FileReadResult result = readSource(path, last, cache);
        if (hook)
            hook(sequence);
        return result;
    }));
}

void FileSource::updateStatusFromBundle()
{
    const SourceUpdate cur = current();
    if (cur.bundle && cur.bundle->hasErrors())
        setStatus(Status::Error, bundleErrorSummary(*cur.bundle));
    else
        setStatus(Status::Watching);
}

void FileSource::onReadFinished(quint64 sequence, qint64 burstStartNs, QDateTime burstSeenAt,
                                const FileReadResult& result)
{
    if (!m_started || sequence != m_sequence) {
        qCDebug(lcWatch).noquote() << m_absPath << "discarding stale read" << sequence << "(newest" << m_sequence << ")";
        return;
    }
    m_isDirectory = result.isDirectory;
    if (burstStartNs < 0 && m_burstActive && current().bundle) {
        // Read for another reason (the first read, a re-check) while signals of this very change
        // were arriving: their burst is what noticed it.
        burstStartNs = m_burstStartNs;
        burstSeenAt = m_burstSeenAt;
    }
    QString revision;
    bool delivered = false;
    switch (result.kind) {
    case FileReadResult::Kind::Missing:
        setStatus(Status::Error, QStringLiteral("waiting for %1 to appear").arg(m_path));
        break;
    case FileReadResult::Kind::Failed:
        setStatus(Status::Error, result.error);
        break;
    case FileReadResult::Kind::Unchanged:
        revision = QString::fromLatin1(result.sha256.toHex());
        updateStatusFromBundle();
        break;
    case FileReadResult::Kind::Changed:
        revision = QString::fromLatin1(result.sha256.toHex());
        if (result.sha256 == m_lastSha256) { // an older read delivered the same bytes meanwhile
            updateStatusFromBundle();
            break;
        }
        m_lastSha256 = result.sha256;
        {
            SourceUpdate update;
            update.bundle = result.bundle;
            update.revision = revision;
            update.seenAt = burstSeenAt.isValid() ? burstSeenAt : QDateTime::currentDateTimeUtc();
            update.detectionLatencyMs = burstStartNs < 0 ? -1 : (steadyNowNs() - burstStartNs) / 1000000;
            const QString errorText = result.bundle->hasErrors() ? bundleErrorSummary(*result.bundle) : QString();
            if (errorText.isEmpty())
                setStatus(Status::Watching);
            else
                setStatus(Status::Error, errorText);
            deliver(std::move(update));
            delivered = true;
        }
        break;
    }
    if (!m_started || sequence != m_sequence)
        return; // a slot connected to updated/statusChanged stopped or restarted us
    if (rearm(result)) {
        // A watch was added after the read: anything that changed in between has no signal, so
        // check once more (cheap: a hash compare, delivered only if the bytes really changed).
        if (!m_debounce->isActive())
            m_debounce->start(m_debounceMs);
    }
    Q_EMIT readCompleted(revision, delivered);
}

bool FileSource::rearm(const FileReadResult& result)
{
    QStringList wantFiles;
    QStringList wantDirs;
    if (result.kind == FileReadResult::Kind::Missing) {
        const QString dir = nearestExistingDirectory(m_absPath);
        if (!dir.isEmpty())
            wantDirs << dir;
    } else if (result.isDirectory) {
        wantDirs << m_absPath;
        const QString parent = QFileInfo(m_absPath).absolutePath();
        if (parent != m_absPath)
            wantDirs << parent; // a directory watch does not report its own rename
        wantFiles = result.files; // a directory watch does not report writes into its files
    } else {
        wantFiles << m_absPath;
        wantDirs << watchableParent(m_absPath);
    }

    const QStringList haveFiles = m_watcher->files();
    const QStringList haveDirs = m_watcher->directories();
    QStringList drop;
    for (const QString& f : haveFiles)
        if (!wantFiles.contains(f))
            drop << f;
    for (const QString& d : haveDirs)
        if (!wantDirs.contains(d))
            drop << d;
    if (!drop.isEmpty()) {
        m_watcher->removePaths(drop);
        for (const QString& f : std::as_const(drop))
            m_watchedIdentity.remove(f);
    }

    bool added = false;
    QStringList failed;
    for (const QString& f : std::as_const(wantFiles)) {
        const QByteArray identity = identityOf(f);
        if (identity.isEmpty())
            continue;
        const bool watched = haveFiles.contains(f);
        if (watched && m_watchedIdentity.value(f) == identity)
            continue;
        // Not watched (Qt dropped it when its inode went away), or the path now resolves to another
        // inode (a rename over it, or a symlink swap): the old watch would never fire again.
        if (watched)
            m_watcher->removePath(f);
        if (m_watcher->addPath(f)) {
            m_watchedIdentity.insert(f, identity);
            added = true;
            qCDebug(lcWatch).noquote() << m_absPath << "watching file" << f;
        } else if (QFileInfo::exists(f)) {
            failed << f;
        }
    }
    for (const QString& d : std::as_const(wantDirs)) {
        if (haveDirs.contains(d) || !QFileInfo(d).isDir())
            continue;
        if (m_watcher->addPath(d)) {
            added = true;
            qCDebug(lcWatch).noquote() << m_absPath << "watching directory" << d;
        } else if (QFileInfo(d).isDir()) {
            failed << d;
        }
    }
    if (!failed.isEmpty()) {
        // Without the watch, changes would go unseen (we never poll): say so instead of "watching".
        const QString text = QStringLiteral("cannot watch %1: the system's inotify limits may be reached "
                                            "(fs.inotify.max_user_watches, fs.inotify.max_user_instances)")
                                 .arg(failed.join(QStringLiteral(", ")));
        qCWarning(lcWatch).noquote() << text;
        setStatus(Status::Error, text);
    }
    return added;
}

} // namespace certrotor
