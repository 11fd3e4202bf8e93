// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/Result.h"

#include <QByteArray>
#include <QString>

#include <variant>

namespace certrotor {

/// Replaces `path` with `bytes` so that a reader (or a crash at any moment) sees either the old file
/// or the new one, whole, never a torn or empty one: the bytes go to a hidden temporary file in the
/// same directory, are fsync'd, get the mode and owner of the file they replace (or `newFileMode`
/// for a new file), are renamed over `path`, and the directory is fsync'd so the rename itself is
/// durable. Errors name the path and the step that failed ("cannot rename …: Read-only file system").
Result<std::monostate> atomicWriteFile(const QString& path, const QByteArray& bytes, int newFileMode = 0644);

/// fsync of a directory (after a rename or an unlink in it).
Result<std::monostate> syncDirectory(const QString& dirPath);

/// An exclusive advisory lock on `path` (created 0600 when missing), held until the object dies.
/// Non-blocking: tryLock() fails at once when another process holds it, with who it is, when the
/// holder wrote its pid into the file (it does: lock files carry "pid PID" while held).
class FileLock {
public:
    FileLock() = default;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    FileLock(FileLock&& other) noexcept;
    FileLock& operator=(FileLock&& other) noexcept;
    ~FileLock();

    static Result<FileLock> tryLock(const QString& path);
    /// "held by pid N" when a process holds the lock on `path` now, else "" — found without taking it.
    static QString holder(const QString& path);
    bool isLocked() const { return m_fd >= 0; }
    void unlock();

private:
    int m_fd = -1;
};

} // namespace certrotor
