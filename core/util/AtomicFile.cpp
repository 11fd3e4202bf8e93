// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/AtomicFile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace certrotor {

namespace {

QString sysError()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

Error fail(const QString& step, const QString& path)
{
    return Error { step + u": "_s + sysError(), path };
}

bool writeAll(int fd, const char* data, qsizetype size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size_t(size));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data += n;
        size -= n;
    }
    return true;
}

} // namespace

Result<std::monostate> syncDirectory(const QString& dirPath)
{
    const int fd = ::open(QFile::encodeName(dirPath).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return fail(u"cannot open the directory to sync it"_s, dirPath);
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0)
        return fail(u"cannot sync the directory"_s, dirPath);
    return std::monostate {};
}

Result<std::monostate> atomicWriteFile(const QString& path, const QByteArray& bytes, int newFileMode)
{
    const QFileInfo info(path);
    const QString dir = info.absolutePath();
    const QByteArray target = QFile::encodeName(info.absoluteFilePath());

    struct stat existing { };
    const bool exists = ::stat(target.constData(), &existing) == 0;
    if (exists && !S_ISREG(existing.st_mode))
        return Error { u"is not a regular file; not replacing it"_s, path };

    const QString tmpPath = dir + u"/."_s + info.fileName() + u".certrotor-"_s
        + QString::number(QRandomGenerator::global()->generate64(), 36) + u".tmp"_s;
    const QByteArray tmp = QFile::encodeName(tmpPath);
    const int fd = ::open(tmp.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(u"cannot create a temporary file beside it"_s, path);
    auto abandon = [&](const Error& e) -> Result<std::monostate> {
        ::close(fd);
        ::unlink(tmp.constData());
        return e;
    };
    if (!writeAll(fd, bytes.constData(), bytes.size()))
        return abandon(fail(u"cannot write the new version"_s, path));
    const mode_t mode = exists ? (existing.st_mode & 07777) : mode_t(newFileMode);
    if (::fchmod(fd, mode) != 0)
        return abandon(fail(u"cannot set the mode of the new version"_s, path));
    if (exists && (existing.st_uid != ::geteuid() || existing.st_gid != ::getegid())) {
        // Keep the owner (only root may give a file away; anyone may keep a group they are in).
        if (::fchown(fd, existing.st_uid, existing.st_gid) != 0)
            return abandon(fail(u"cannot keep the owner of the file"_s, path));
    }
    if (::fsync(fd) != 0)
        return abandon(fail(u"cannot sync the new version to disk"_s, path));
    if (::close(fd) != 0) {
        ::unlink(tmp.constData());
        return fail(u"cannot close the new version"_s, path);
    }
    if (::rename(tmp.constData(), target.constData()) != 0) {
        const Error e = fail(u"cannot rename the new version over it"_s, path);
        ::unlink(tmp.constData());
        return e;
    }
    return syncDirectory(dir);
}

FileLock::FileLock(FileLock&& other) noexcept : m_fd(other.m_fd)
{
    other.m_fd = -1;
}

FileLock& FileLock::operator=(FileLock&& other) noexcept
{
    if (this != &other) {
        unlock();
        m_fd = other.m_fd;
        other.m_fd = -1;
    }
    return *this;
}

FileLock::~FileLock()
{
    unlock();
}

void FileLock::unlock()
{
    if (m_fd >= 0) {
        if (::ftruncate(m_fd, 0) != 0) {
            // Nothing to do: the stale pid only shows in a message.
        }
        ::close(m_fd); // releases the flock
        m_fd = -1;
    }
}

Result<FileLock> FileLock::tryLock(const QString& path)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(u"cannot open the lock file"_s, path);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int why = errno;
        char buf[64] = {};
        const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
        ::close(fd);
        if (why == EWOULDBLOCK) {
            const QString holder = n > 0 ? QString::fromLatin1(buf, int(n)).trimmed() : u"another process"_s;
            return Error { u"held by %1"_s.arg(holder), path, u"locked"_s };
        }
        errno = why;
        return fail(u"cannot lock"_s, path);
    }
    const QByteArray pid = "pid " + QByteArray::number(qint64(::getpid())) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.constData(), size_t(pid.size()), 0) < 0) {
        // The lock is held all the same; only the message for others is missing.
    }
    FileLock lock;
    lock.m_fd = fd;
    return lock;
}

QString FileLock::holder(const QString& path)
{
    // Read from /proc/locks without taking the lock: a look must never make another process's tryLock fail.
    struct stat st { };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return {};
    QFile locks(u"/proc/locks"_s);
    if (!locks.open(QIODevice::ReadOnly))
        return {};
    const QByteArray inode = ':' + QByteArray::number(qulonglong(st.st_ino)) + ' ';
    for (const QByteArray& line : locks.readAll().split('\n')) {
        // "1: FLOCK  ADVISORY  WRITE 1234 08:01:123456 0 EOF"
        const QList<QByteArray> f = line.simplified().split(' ');
        if (f.size() >= 6 && f.at(1) == "FLOCK" && QByteArray(f.at(5) + ' ').endsWith(inode))
            return u"held by pid %1"_s.arg(QString::fromLatin1(f.at(4)));
    }
    return {};
}

} // namespace certrotor
