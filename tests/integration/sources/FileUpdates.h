// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The ways bundle files really change on disk, for the watch tests and the watch benchmark:
// in-place write, write-to-temp + rename, delete + recreate, and the kubelet's AtomicWriter for
// Secret and ConfigMap volumes (pkg/volume/util/atomic_writer.go), reproduced step by step.

#include <QByteArray>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMap>
#include <QString>

#include <cstdio>

#include <unistd.h>

namespace certrotor::test {

enum class UpdatePattern { InPlace, TempRename, DeleteRecreate, Kubelet };

inline const char* patternName(UpdatePattern p)
{
    switch (p) {
    case UpdatePattern::InPlace:
        return "in-place";
    case UpdatePattern::TempRename:
        return "temp+rename";
    case UpdatePattern::DeleteRecreate:
        return "delete+recreate";
    case UpdatePattern::Kubelet:
        return "kubelet";
    }
    return "?";
}

/// open(O_TRUNC) + write + close on the same inode, as shells and most tools do.
inline bool writeInPlace(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    const bool ok = file.write(bytes) == bytes.size();
    file.close();
    return ok && file.error() == QFileDevice::NoError;
}

/// Write `.NAME.tmp` beside the file, then rename(2) it over the file (editors, QSaveFile, our committer).
inline bool writeViaRename(const QString& path, const QByteArray& bytes)
{
    const QFileInfo info(path);
    const QString tmp = info.absolutePath() + QStringLiteral("/.") + info.fileName() + QStringLiteral(".tmp");
    if (!writeInPlace(tmp, bytes))
        return false;
    return std::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(path).constData()) == 0;
}

/// unlink(2), then create a new file with the new bytes.
inline bool deleteAndRecreate(const QString& path, const QByteArray& bytes)
{
    if (QFileInfo::exists(path) && !QFile::remove(path))
        return false;
    return writeInPlace(path, bytes);
}

/// A Kubernetes Secret volume as the kubelet's AtomicWriter maintains it:
///   DIR/..2026_11_22_10_21_30.123456789/ca.crt   the payload of one generation
///   DIR/..data -> ..2026_11_22_10_21_30.123456789
///   DIR/ca.crt -> ..data/ca.crt                  user-visible symlinks, created once
/// An update writes a new timestamped directory, creates the symlink `..data_tmp` to it, renames
/// `..data_tmp` over `..data` (the atomic swap), removes user-visible links for keys that are gone,
/// creates links for new keys, and finally removes the previous timestamped directory.
class KubeletVolume
{
public:
    explicit KubeletVolume(QString dir) : m_dir(std::move(dir)) { QDir().mkpath(m_dir); }

    QString dir() const { return m_dir; }
    QString path(const QString& key) const { return m_dir + QLatin1Char('/') + key; }

    bool write(const QMap<QString, QByteArray>& payload)
    {
        const QString previous = currentTimestampDir();
        // atomic_writer.go newTimestampDir: os.MkdirTemp(targetDir, time.Now().UTC().Format("..2006_01_02_15_04_05."))
        const QString ts = QStringLiteral("..") + QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy_MM_dd_HH_mm_ss."))
            + QString::number(qint64(::getpid())) + QString::number(++m_generation).rightJustified(6, QLatin1Char('0'));
        if (!QDir(m_dir).mkdir(ts))
            return false;
        for (auto it = payload.begin(); it != payload.end(); ++it) {
            QFile f(m_dir + QLatin1Char('/') + ts + QLatin1Char('/') + it.key());
            if (!f.open(QIODevice::WriteOnly) || f.write(it.value()) != it.value().size())
                return false;
            f.close();
            f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup
                             | QFileDevice::ReadOther);
        }
        // createUserVisibleFiles / the ..data swap: symlink ..data_tmp -> ts, rename over ..data.
        const QByteArray tmpLink = QFile::encodeName(path(QStringLiteral("..data_tmp")));
        ::unlink(tmpLink.constData());
        if (::symlink(QFile::encodeName(ts).constData(), tmpLink.constData()) != 0)
            return false;
        if (std::rename(tmpLink.constData(), QFile::encodeName(path(QStringLiteral("..data"))).constData()) != 0)
            return false;
        // removeUserVisiblePaths for keys no longer in the payload.
        for (const QString& key : std::as_const(m_keys))
            if (!payload.contains(key))
                ::unlink(QFile::encodeName(path(key)).constData());
        // createUserVisibleFiles: key -> ..data/key, only when missing.
        for (auto it = payload.begin(); it != payload.end(); ++it) {
            const QByteArray link = QFile::encodeName(path(it.key()));
            if (!QFileInfo(path(it.key())).isSymLink()
                && ::symlink(QFile::encodeName(QStringLiteral("..data/") + it.key()).constData(), link.constData()) != 0)
                return false;
        }
        m_keys = payload.keys();
        // Finally the old timestamped directory goes.
        if (!previous.isEmpty() && !QDir(m_dir + QLatin1Char('/') + previous).removeRecursively())
            return false;
        return true;
    }

private:
    QString currentTimestampDir() const
    {
        const QFileInfo data(path(QStringLiteral("..data")));
        return data.isSymLink() ? QFileInfo(data.symLinkTarget()).fileName() : QString();
    }

    QString m_dir;
    QStringList m_keys;
    int m_generation = 0;
};

/// Applies one update of `pattern` to the file at `path` (for Kubelet: the volume `volume`, key = file name).
inline bool applyUpdate(UpdatePattern pattern, const QString& path, const QByteArray& bytes, KubeletVolume* volume)
{
    switch (pattern) {
    case UpdatePattern::InPlace:
        return writeInPlace(path, bytes);
    case UpdatePattern::TempRename:
        return writeViaRename(path, bytes);
    case UpdatePattern::DeleteRecreate:
        return deleteAndRecreate(path, bytes);
    case UpdatePattern::Kubelet:
        return volume && volume->write({{QFileInfo(path).fileName(), bytes}});
    }
    return false;
}

} // namespace certrotor::test
