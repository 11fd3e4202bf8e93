// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sources/Source.h"

#include <QDateTime>
#include <QHash>
#include <QString>
#include <QStringList>

#include <functional>

class QFileSystemWatcher;
class QTimer;

namespace certrotor {

struct FileReadResult;

/// A bundle file, or a directory of bundle files, watched with QFileSystemWatcher (inotify): never
/// polled. A directory's bundle is every regular, non-hidden file in it (symlinks to files are
/// followed, so a mounted Kubernetes Secret volume's `ca.crt -> ..data/ca.crt` counts and `..data`
/// itself does not), in name order, parsed and concatenated; each entry keeps its file's path.
///
/// Sees every way files really change: in-place writes, write-to-temp + rename, delete + recreate,
/// and the kubelet's atomic writer (a new `..2026_…` directory, `..data_tmp` renamed over `..data`,
/// the old directory removed). It watches the file path AND its directory (a directory source: the
/// directory, its parent and each file), debounces a burst of signals, re-reads through the path,
/// compares the content SHA-256 with the last delivery and delivers only on change; after each read
/// it re-arms the watches Qt dropped or that now point at another inode. `..data` is never watched:
/// that watch would die with the old timestamped directory.
///
/// Reading, hashing and parsing run on Source::readPool(); results come back on the owning thread,
/// and a read that finishes after a newer one started is discarded. Revision = content SHA-256 (hex);
/// for a directory, SHA-256 over each file's name and content digest in name order.
///
/// Status: Watching; Error with "waiting for PATH to appear" while the path is missing (the nearest
/// existing parent directory is watched so the file is picked up when created), "cannot read ..."
/// when unreadable, or the first located parse error when the bundle has bad blocks. A bundle with
/// bad blocks is still delivered: it carries its issues and the consumer decides. A missing path
/// keeps the last delivered bundle (a rotation in progress must not empty the trust view).
class FileSource : public Source
{
    Q_OBJECT
public:
    explicit FileSource(QString path, QObject* parent = nullptr);
    ~FileSource() override;

    /// The absolute, cleaned path.
    QString id() const override;
    /// The file or directory name.
    QString displayName() const override;

    /// Arms the watches and reads now; the first read is delivered (latency -1). Idempotent.
    void start() override;
    /// Drops every watch and ignores reads still in flight. Status goes back to Idle.
    void stop() override;

    /// The path as given.
    QString path() const { return m_path; }

    /// Quiet time after the last signal of a burst before re-reading (default 50 ms; 0 = read on the
    /// next event-loop turn). A burst that never goes quiet is read after 4x this at the latest.
    void setDebounceMs(int ms);
    int debounceMs() const { return m_debounceMs; }

    /// Whether the path was a directory at the last read.
    bool isDirectory() const { return m_isDirectory; }

    /// What is watched now (files and directories), for diagnostics and tests.
    QStringList watchedPaths() const;

    /// Test seam: called on the worker thread after each read has read its bytes, with the read's
    /// sequence number (1, 2, ...), so a test can hold an old read back while a newer one completes.
    void setReadHookForTesting(std::function<void(quint64 sequence)> hook) { m_readHook = std::move(hook); }

Q_SIGNALS:
    /// After every completed (non-stale) read: the revision read (empty when the path was missing or
    /// unreadable) and whether it was delivered as an update. Lets a view show "last checked" and lets
    /// tests see that an identical rewrite was read and not delivered.
    void readCompleted(const QString& revision, bool delivered);

private:
    void onWatcherSignal(const QString& path);
    void startRead();
    void onReadFinished(quint64 sequence, qint64 burstStartNs, QDateTime burstSeenAt,
                        const FileReadResult& result);
    bool rearm(const FileReadResult& result);
    void updateStatusFromBundle();

    QString m_path;
    QString m_absPath;
    int m_debounceMs = 50;
    bool m_started = false;
    bool m_isDirectory = false;
    QFileSystemWatcher* m_watcher = nullptr;
    QTimer* m_debounce = nullptr;

    bool m_burstActive = false;
    qint64 m_burstStartNs = -1; // steady clock
    QDateTime m_burstSeenAt;

    quint64 m_sequence = 0;
    QByteArray m_lastSha256; // of the last delivered revision
    QHash<QString, QByteArray> m_watchedIdentity; // watched file path -> device+inode it resolved to
    std::function<void(quint64)> m_readHook;
};

} // namespace certrotor
